"""What each domain contributes to the application, declared in one visible place.

Each domain package states, in its ``__init__.py``, a ``CONTRIBUTES = Contributions(...)`` that
names its modules by role (pages, API, models, commands, jobs, demo steps, signal receivers,
import kinds) and its hooks (household-page panels with their order, GDPR erasure and
retention purges). ``create_app``, the ``isp`` command, the scheduler, the demo and the GDPR
code read these declarations and nothing else: adding a page or a job is one line there
(docs/architecture.md §2). The core never imports a domain by name; it reads ``DOMAINS``.

A module whose file name follows a role's prefix (``views_*.py``, ``api_*.py``…) but is not
declared stops the application at start, naming the line to add: a page that silently does not
exist is worse than a refusal to start.

A tool that is not a domain (the simulated lab of ``make run``) declares what it contributes in
the same way; ``TOOLS`` names it, and it is read after the domains when it is installed.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from typing import Any

#: Domain packages, in the order their contributions are registered (and their demo steps run).
#: A sub-domain (``network.provisioning``) is an entry of its own, with its own declaration.
DOMAINS = ("subscribers", "subscriptions", "mediation", "network", "network.provisioning",
           "billing", "support", "evaluation", "residents", "impact", "surveys", "outreach",
           "equipment", "banking")
#: Packages that are tools, not domains: the simulated lab (the "lab" extra, for ``make run``
#: and the tests). Their declarations are read after the domains', only when installed; they
#: contribute what runs beside the application (``run``) and the demo's devices
#: (``demo_devices``), never pages or models.
TOOLS = ("lab",)


@dataclass(frozen=True)
class HouseholdTab:
    """A tab of the household page: sections not needed every day, read when asked for
    (docs/architecture.md §2: each section costs a statement and a template on every view)."""

    #: Tabs are listed by increasing order, after the household's own page.
    order: int
    #: Its URL's last part: ``/households/<id>/<slug>``; unique among the tabs.
    slug: str
    #: Its name in the tab bar (a lazy gettext string).
    label: Any
    #: ``"module:function"``: its sections, ``function(household, scope) -> Markup | None``
    #: (``household_tabs()`` gives them imported).
    panels: tuple[Any, ...]
    #: False: not offered to mediators (their sections say nothing to them).
    for_mediators: bool = True


@dataclass(frozen=True)
class Contributions:
    """A domain's declaration. Module names are relative to the domain package."""

    #: SQLAlchemy models (imported so that the metadata is complete).
    models: tuple[str, ...] = ()
    #: Blueprints of pages (``bp``), CSRF-protected.
    pages: tuple[str, ...] = ()
    #: Blueprints under ``/api/v1`` (``bp``), bearer tokens, exempt from CSRF.
    api: tuple[str, ...] = ()
    #: Signal receivers (flush, never commit), imported for their ``connect`` calls.
    handlers: tuple[str, ...] = ()
    #: CSV import kinds (``isp.csvimport.register_kind``).
    imports: tuple[str, ...] = ()
    #: ``register(cli_group)``: subcommands of ``isp``.
    commands: tuple[str, ...] = ()
    #: ``register(scheduler, app)``: jobs with stable ids.
    jobs: tuple[str, ...] = ()
    #: ``seed_demo() -> str | None``, idempotent, run in ``DOMAINS`` order…
    demo: tuple[str, ...] = ()
    #: …and these after every domain's ``demo`` (they build on the others' demo data).
    demo_last: tuple[str, ...] = ()
    #: ``(order, "module:function")``: a section of the household page, ``function(household,
    #: scope) -> Markup | None``; sections are shown by increasing order.
    household_panels: tuple[tuple[int, str], ...] = ()
    #: Tabs of the household page (``HouseholdTab``): sections read on request, each tab at
    #: its own URL, ``/households/<id>/<slug>``.
    household_tabs: tuple[HouseholdTab, ...] = ()
    #: ``"module:function"`` called with a household being erased (GDPR art. 17): anonymise
    #: what this domain keeps about it.
    erase_household: tuple[str, ...] = ()
    #: ``(role, "module:function")``: this domain creates the accounts of ``role`` (``isp users
    #: create --role ROLE``): ``function(email, phone, household_id, name) -> login``.
    account_roles: tuple[tuple[str, str], ...] = ()
    #: ``(order, "module:function")`` run by the nightly retention job (``isp.gdpr``) by
    #: increasing order: ``function(now, rules) -> {label: rows}`` applies this domain's lines of
    #: the register (``rules`` is the ``RETENTION`` setting).
    purge_expired: tuple[tuple[int, str], ...] = ()
    #: Modules started beside the application by ``isp run`` (unless ``--no-lab``) and alone by
    #: ``isp lab start``: ``ports(app) -> [("udp" | "tcp", port, label)]``, what it will bind on
    #: 127.0.0.1 (checked before anything starts), and ``start(app) -> stop``, a callable.
    run: tuple[str, ...] = ()
    #: ``"module:function"``, ``function(building_id) -> int``: record the devices of the demo
    #: building (the lab's switches), called by the network's demo before it wires the flats.
    demo_devices: tuple[str, ...] = ()
    #: ``(name, "module:function")``: a read this domain publishes for a lower layer, which
    #: asks for it by name (``provider(name)``) instead of importing a domain above it
    #: (docs/architecture.md §1). Exactly one domain provides each name.
    provides: tuple[tuple[str, str], ...] = ()


#: The file-name prefix of each role's modules, to find one that is not declared.
_PREFIXES = {"models": "models", "pages": "views", "api": "api", "handlers": "handlers",
             "imports": "imports", "commands": "cli", "jobs": "jobs", "demo": "demo"}


class UndeclaredModule(RuntimeError):
    """A module named like a contribution is not in its domain's ``CONTRIBUTES``."""


def contributions(domain: str) -> Contributions:
    """The declaration of ``domain`` (an empty one for a package without any)."""
    package = importlib.import_module(domain)
    return getattr(package, "CONTRIBUTES", Contributions())


def modules(domain: str, role: str) -> list:
    """Import and return the modules ``domain`` declares for ``role`` (a field name)."""
    declared = getattr(contributions(domain), role)
    return [importlib.import_module(f"{domain}.{name}") for name in declared]


def packages() -> tuple[str, ...]:
    """The packages whose declarations are read: ``DOMAINS``, then the installed ``TOOLS``."""
    return DOMAINS + tuple(tool for tool in TOOLS if importlib.util.find_spec(tool) is not None)


def all_modules(role: str) -> Iterator:
    """The modules of every domain (then tool) for ``role``, in ``DOMAINS`` order."""
    for package in packages():
        yield from modules(package, role)


def demo_modules() -> list:
    """Demo steps in the order they run: each domain's ``demo``, then each ``demo_last``."""
    return list(all_modules("demo")) + list(all_modules("demo_last"))


# Declarations do not change while the process runs: resolve each role's hooks once (the
# household page asks for its panels on every request).
@functools.cache
def hooks(role: str) -> tuple[Callable[..., Any], ...]:
    """The functions every domain (then tool) declares for a hook role, in ``DOMAINS`` order."""
    found = []
    for package in packages():
        for reference in getattr(contributions(package), role):
            found.append(_resolve(package, reference))
    return tuple(found)


def account_creator(role: str) -> Callable[..., Any] | None:
    """The function a domain declares to create accounts of ``role``, if any."""
    for domain in DOMAINS:
        for declared_role, reference in contributions(domain).account_roles:
            if declared_role == role:
                return _resolve(domain, reference)
    return None


@functools.cache
def ordered_hooks(role: str) -> tuple[Callable[..., Any], ...]:
    """The ``(order, "module:function")`` hooks of every domain for ``role``, by order."""
    ordered = []
    for domain in DOMAINS:
        for order, reference in getattr(contributions(domain), role):
            ordered.append((order, _resolve(domain, reference)))
    return tuple(hook for _order, hook in sorted(ordered, key=lambda pair: pair[0]))


@functools.cache
def provider(name: str) -> Callable[..., Any]:
    """The function that the one domain providing ``name`` declares (``provides``)."""
    found = [(domain, reference) for domain in DOMAINS
             for provided, reference in contributions(domain).provides if provided == name]
    if len(found) != 1:
        raise LookupError(f"{len(found)} domains provide {name!r} (CONTRIBUTES.provides): "
                          f"exactly one must ({', '.join(domain for domain, _ in found)})")
    return _resolve(*found[0])


def household_panels() -> tuple[Callable[..., Any], ...]:
    """Household-page sections of every domain, by their declared order."""
    return ordered_hooks("household_panels")


@functools.cache
def household_tabs() -> tuple[HouseholdTab, ...]:
    """The household page's tabs of every domain, by their declared order, their sections'
    functions imported; a slug declared twice is refused (two domains would share one URL)."""
    tabs, slugs = [], set()
    for domain in DOMAINS:
        for tab in contributions(domain).household_tabs:
            if tab.slug in slugs:
                raise LookupError(f"household tab {tab.slug!r} declared twice ({domain})")
            slugs.add(tab.slug)
            tabs.append(replace(tab, panels=tuple(_resolve(domain, ref) for ref in tab.panels)))
    return tuple(sorted(tabs, key=lambda tab: tab.order))


def check_declarations(domain: str) -> None:
    """Refuse a module named like a contribution that its domain does not declare (its
    subpackages included: ``network.provisioning.views`` is declared as
    ``"provisioning.views"``)."""
    package = importlib.import_module(domain)
    declared = contributions(domain)
    names = {name for item in fields(Contributions) for name in getattr(declared, item.name)
             if isinstance(name, str)}
    for info in pkgutil.walk_packages(package.__path__):
        if any(info.name == sub or info.name.startswith(sub + ".") for sub in
               (other[len(domain) + 1:] for other in DOMAINS if other.startswith(domain + "."))):
            continue  # a sub-domain declares its own modules
        leaf = info.name.rpartition(".")[2]
        for role, prefix in _PREFIXES.items():
            if (leaf == prefix or leaf.startswith(prefix + "_")) and info.name not in names:
                raise UndeclaredModule(
                    f"{domain}/{info.name.replace('.', '/')}.py looks like a contribution "
                    f"({role}) but {domain}/__init__.py does not declare it: add "
                    f"{info.name!r} to CONTRIBUTES.{role} (docs/architecture.md §2)")


def _resolve(domain: str, reference: str) -> Callable[..., Any]:
    module_name, _, function = reference.partition(":")
    return getattr(importlib.import_module(f"{domain}.{module_name}"), function)
