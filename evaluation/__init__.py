"""Evaluation: the metropolis' aggregates (small cells suppressed), footprint, scenarios."""

from isp.registry import Contributions

#: What this domain adds to the application (docs/architecture.md §2).
CONTRIBUTES = Contributions(
    models=('models',),
    pages=('views',),
    api=('api',),
    imports=('imports',),
    commands=('cli',),
    jobs=('jobs',),
    demo=('demo',),
)
