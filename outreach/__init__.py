"""Outreach: public requests for the service and the district map of fragility and demand."""
