"""Money in from the bank: CAMT.053 statements matched to households' invoices."""

from isp.i18n import lazy_gettext as _l
from isp.registry import Contributions, HouseholdTab

#: What this domain adds to the application (docs/architecture.md §2).
CONTRIBUTES = Contributions(
    models=('models',),
    pages=('views',),
    api=('api',),
    commands=('cli',),
    demo_last=('demo',),
    erase_household=('retention:anonymise_household_banking',),
    household_tabs=(HouseholdTab(90, "transfers", _l("Virements"),
                                 ('views:_household_bank_panel',), for_mediators=False),),
    purge_expired=((60, 'retention:purge_expired'),),
)
