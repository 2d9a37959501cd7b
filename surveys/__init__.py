"""Needs surveys: questionnaires for residents and mediation professionals, counted answers."""

from isp.registry import Contributions

#: What this domain adds to the application (docs/architecture.md §2).
CONTRIBUTES = Contributions(
    models=('models',),
    pages=('views',),
    api=('api',),
    demo_last=('demo',),
    erase_household=('retention:anonymise_household_surveys',),
)
