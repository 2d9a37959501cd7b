"""Outreach: public requests for the service and the district map of fragility and demand."""

from isp.registry import Contributions

#: What this domain adds to the application (docs/architecture.md §2).
CONTRIBUTES = Contributions(
    models=('models',),
    pages=('views',),
    api=('api',),
    commands=('cli',),
    demo_last=('demo',),
    purge_expired=((80, 'retention:purge_expired'),),
)
