"""The navigation bar: each domain registers its entries with the roles that see them."""

from __future__ import annotations

from dataclasses import dataclass

from isp.choices import Role


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy_gettext string
    endpoint: str
    roles: frozenset[Role]
    order: int


NAV_ITEMS: list[NavItem] = []


def register_nav(label: object, endpoint: str, *roles: Role, order: int = 50) -> None:
    """Add an entry once (modules may be imported more than once in tests)."""
    item = NavItem(label, endpoint, frozenset(roles) | {Role.ADMIN}, order)
    if all(existing.endpoint != endpoint for existing in NAV_ITEMS):
        NAV_ITEMS.append(item)
        NAV_ITEMS.sort(key=lambda nav: nav.order)


def nav_for(role: str) -> list[NavItem]:
    return [item for item in NAV_ITEMS if Role(role) in item.roles]
