"""Subscribers: districts, buildings, flats, households and their subscriptions."""

from isp.registry import Contributions

#: What this domain adds to the application (docs/architecture.md §2).
CONTRIBUTES = Contributions(
    models=('models', 'models_figures'),
    pages=('views', 'views_data_subject'),
    api=('api',),
    imports=('imports',),
    demo=('demo',),
    erase_household=('services:anonymise_household_subscriptions',),
    purge_expired=((20, 'retention:purge_expired'),),
    provides=(('household', 'data_subject:household'),
              ('household_identity_needed', 'data_subject:identity_still_needed')),
)
