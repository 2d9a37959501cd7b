"""Money in from the bank: CAMT.053 statements matched to households' invoices."""

from isp.registry import Contributions

#: What this domain adds to the application (docs/architecture.md §2).
CONTRIBUTES = Contributions(
    models=('models',),
    pages=('views',),
    api=('api',),
    commands=('cli',),
    demo_last=('demo',),
    erase_household=('retention:anonymise_household_banking',),
    household_panels=((90, 'views:_household_bank_panel'),),
    purge_expired=((60, 'retention:purge_expired'),),
)
