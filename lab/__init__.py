"""The simulated lab network: a tool of ``make run`` and the tests (the "lab" extra), not a
domain. ``isp.registry.TOOLS`` names it; it declares what it contributes as a domain does
(docs/architecture.md §2), so that neither the core nor the network imports it."""

from isp.registry import Contributions

#: What the lab adds when it is installed: the simulated switches that ``isp run`` starts, and
#: their records as the demo building's devices.
CONTRIBUTES = Contributions(
    run=('runner',),
    demo_devices=('devices:record_demo_switches',),
)
