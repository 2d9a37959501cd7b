"""Subscriptions: the pages, API and CSV import that open and change a household's subscription.

The lifecycle's rules stay in ``subscribers.lifecycle`` (billing and provisioning call them);
these modules put them in front of people and read what the domains below them record about a
subscription: billing's tier decision, provisioning's latest job and the flat's port. Hence a
package of their own above billing and the network (docs/architecture.md §1), where
``subscribers`` may import neither.
"""

from isp.registry import Contributions

#: What this package adds to the application (docs/architecture.md §2).
CONTRIBUTES = Contributions(
    pages=('views',),
    api=('api',),
    imports=('imports',),
    household_panels=((10, 'views:_lifecycle_panel'),),
)
