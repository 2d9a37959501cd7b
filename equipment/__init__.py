"""Lent household equipment (box, computer, tablet, phone) and its 4R life."""

from isp.i18n import lazy_gettext as _l
from isp.registry import Contributions, HouseholdTab

#: What this domain adds to the application (docs/architecture.md §2).
CONTRIBUTES = Contributions(
    models=('models', 'models_network'),
    pages=('views', 'views_network'),
    api=('api', 'api_network'),
    handlers=('handlers',),
    imports=('imports',),
    demo_last=('demo',),
    household_tabs=(HouseholdTab(80, "equipment", _l("Équipement prêté"),
                                 ('views:_household_panel',)),),
)
