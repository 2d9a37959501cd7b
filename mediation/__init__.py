"""Mediation: associations, orientation of households, coaching slots, bookings, sessions."""

from isp.registry import Contributions

#: What this domain adds to the application (docs/architecture.md §2).
CONTRIBUTES = Contributions(
    models=('models', 'models_proposals'),
    pages=('views', 'views_proposals'),
    api=('api', 'api_proposals'),
    handlers=('handlers', 'handlers_proposals'),
    imports=('imports',),
    demo=('demo',),
    erase_household=('assignments:anonymise_household_mediation',),
    household_panels=((50, 'views:_household_panel'),),
    purge_expired=((40, 'retention:purge_expired'),),
    provides=(('households_of_association', 'published:households_of_association'),
              ('association_id', 'published:association_id')),
)
