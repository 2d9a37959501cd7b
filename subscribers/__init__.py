"""Subscribers: districts, buildings, flats, households and their subscriptions."""

from isp.registry import Contributions

#: What this domain adds to the application (docs/architecture.md §2).
CONTRIBUTES = Contributions(
    models=('models',),
    pages=('views', 'views_lifecycle'),
    api=('api', 'api_subscriptions'),
    imports=('imports', 'imports_subscriptions'),
    demo=('demo',),
    erase_household=('services:anonymise_household_subscriptions',),
    household_panels=((10, 'views_lifecycle:_lifecycle_panel'),),
    purge_expired=((20, 'retention:purge_expired'),),
)
