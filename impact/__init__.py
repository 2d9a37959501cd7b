"""Impact evaluation: each household's t0 baseline and follow-ups, indicators by cohort."""

from isp.i18n import lazy_gettext as _l
from isp.registry import Contributions, HouseholdTab

#: What this domain adds to the application (docs/architecture.md §2).
CONTRIBUTES = Contributions(
    models=('models',),
    pages=('views', 'views_resident'),
    api=('api', 'api_resident'),
    demo_last=('demo',),
    erase_household=('retention:anonymise_household_impact',),
    household_tabs=(HouseholdTab(70, "impact", _l("Impact"), ('views:_household_panel',)),),
)
