"""The navigation bar: each domain registers its entries with the roles that see them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

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
        _BY_ROLE.clear()
        _LINKS.clear()


#: Entries of a coach's or a resident's own day: the admin may open them, but its bar (every
#: page weighs it) lists the back office's. The catalogue of options, the bank queue and the
#: district map are reached from their parent pages (tariffs, statements, districts).
NOT_IN_ADMIN_BAR = frozenset({Role.MEDIATOR, Role.RESIDENT})


#: ``nav_for``'s answer by role, until an entry is registered: every page (and each of its
#: panels, through the layout's context) asks for it.
_BY_ROLE: dict[Role, tuple[NavItem, ...]] = {}


def nav_for(role: str) -> list[NavItem]:
    role = Role(role)
    if role not in _BY_ROLE:
        items = [item for item in NAV_ITEMS if role in item.roles]
        if role is Role.ADMIN:
            items = [item for item in items if _in_admin_bar(item.roles - {Role.ADMIN})]
        _BY_ROLE[role] = tuple(items)
    return list(_BY_ROLE[role])


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    href: str
    label: str


#: ``nav_links``'s answer by role, language and the site's prefix behind a proxy.
_LINKS: dict[tuple[Role, str, str], tuple[NavLink, ...]] = {}


def nav_links(role: str, language: str) -> tuple[NavLink, ...]:
    """The bar of ``role`` as links written once per language: every page shows it, and its
    two dozen ``url_for`` and translations cost ~0.5 ms a page (issue 23.3). Inside a request."""
    key = (Role(role), language, request.script_root)
    if key not in _LINKS:
        _LINKS[key] = tuple(NavLink(item.endpoint, url_for(item.endpoint), str(item.label))
                            for item in nav_for(role))
    return _LINKS[key]


def _in_admin_bar(others: frozenset[Role]) -> bool:
    """An admin's own entry (no other role), or one another back-office role has too."""
    return not others or bool(others - NOT_IN_ADMIN_BAR)
