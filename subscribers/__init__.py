"""Subscribers: districts, buildings, flats, households and their subscriptions."""

from isp.i18n import lazy_gettext as _l
from isp.registry import Contributions, HouseholdTab

#: What this domain adds to the application (docs/architecture.md §2).
CONTRIBUTES = Contributions(
    models=('models', 'models_figures'),
    pages=('views', 'views_data_subject'),
    api=('api',),
    imports=('imports',),
    demo=('demo',),
    erase_household=('services:anonymise_household_subscriptions',),
    purge_expired=((20, 'retention:purge_expired'),),
    household_tabs=(HouseholdTab(100, "history", _l("Historique"), ('views:_history_tab',)),),
    provides=(('household', 'data_subject:household'),
              ('household_identity_needed', 'data_subject:identity_still_needed')),
)
