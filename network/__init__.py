"""Network: switches and ports polled over SNMP, usage and availability; provisioning of
each flat's port over SSH is the sub-domain ``network.provisioning``."""

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
    household_panels=((20, 'views:_household_usage_panel'),),
    purge_expired=((10, 'retention:purge_expired'),),
)
