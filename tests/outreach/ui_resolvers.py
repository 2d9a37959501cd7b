"""URL values of the outreach pages for the browser tests (tests/ui/discovery.py)."""

from tests.ui.discovery import _first_of

RESOLVERS = {
    # /demandes/<reference>: the first demo request (outreach/demo.py).
    "demandes.reference": _first_of("outreach.models.ServiceRequest.reference"),
}

#: The acknowledgement repeats the reference it is given.
QUERIES = {"outreach.request_ack": lambda ctx: "?ref=DS-000001"}
