"""Support: tickets from staff, residents and the network itself."""

from isp.registry import Contributions

#: What this domain adds to the application (docs/architecture.md §2).
CONTRIBUTES = Contributions(
    models=('models',),
    pages=('views',),
    api=('api',),
    handlers=('handlers',),
    jobs=('jobs',),
    demo=('demo',),
    erase_household=('retention:anonymise_household_tickets',),
    household_panels=((40, 'views:_household_tickets_panel'),),
    purge_expired=((50, 'retention:purge_expired'),),
)
