"""Residents' own space: sign-in by one-time code, their connection, invoices, help, data."""

from isp.i18n import lazy_gettext as _l
from isp.registry import Contributions, HouseholdTab

#: What this domain adds to the application (docs/architecture.md §2).
CONTRIBUTES = Contributions(
    models=('models', 'models_mandates'),
    pages=('views', 'views_mandates', 'views_sepa', 'views_space'),
    api=('api', 'api_mandates', 'api_me', 'api_sepa'),
    handlers=('handlers', 'handlers_mandates'),
    commands=('cli',),
    jobs=('jobs',),
    demo_last=('demo', 'demo_space'),
    account_roles=(('resident', 'cli:create_resident'),),
    erase_household=('retention:anonymise_household_residents',),
    household_tabs=(HouseholdTab(60, "resident", _l("Espace résident"),
                                 ('views:_household_panel', 'views_mandates:_household_panel')),),
)
