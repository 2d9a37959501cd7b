"""Which pages exist, for whom, at which URL; and what each one weighs in a real browser.

Pages are discovered from ``isp.auth.access_matrix(app)``: every GET rule outside /api/, for
every role it allows. URL parameters are filled from the demo data by ``RESOLVERS``: one small
function per parameter name, optionally keyed by the path segment before it ("units.code"
wins over "code"). A new page with a new parameter fails with the list of what is missing: add
one line here.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select


def _demo_roles() -> tuple[str, ...]:
    """The staff roles, and the residents' once the UI login knows a demo resident."""
    from tests.ui.conftest import ROLE_EMAILS

    staff = ("admin", "operator", "mediator", "analyst")
    return (*staff, "resident") if "resident" in ROLE_EMAILS else staff


#: Roles of the demo, in the order pages are visited.
ROLES = _demo_roles()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: The sobriety budget per page (issue 10).
MAX_KB = 100
MAX_REQUESTS = 10
MIN_GRADE = "A"
#: Pages allowed below grade A: endpoint -> (the lowest grade accepted, why). None since the
#: building's flats and the access matrix come by pages.
GRADE_EXCEPTIONS: dict[str, tuple[str, str]] = {}
#: Routes that are not pages a person reads (redirects, switches); never audited.
NOT_PAGES = {"core.set_language", "core.index"}
#: Rules answering with a file (exports, PDF): not pages; tests/ui/test_downloads.py checks them.
DOWNLOAD_RULE = re.compile(r"[./](csv|json|pdf|svg|xml|zip|txt)$")


@dataclass(frozen=True)
class PageRoute:
    """A GET page rule and the roles that may open it (``anonymous`` for public pages)."""

    rule: str
    endpoint: str
    roles: tuple[str, ...]
    #: Parameters given by the rule's variants (``VARIANTS``), before any resolver.
    fixed: tuple[tuple[str, str], ...] = ()

    @property
    def params(self) -> list[str]:
        return re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", self.rule)

    @property
    def label(self) -> str:
        """The endpoint, and the variant's values if any: the tests' ids."""
        return self.endpoint + "".join(f"/{value}" for _name, value in self.fixed)


def _household_tabs() -> list[tuple[str, tuple[str, ...]]]:
    from isp.registry import household_tabs

    return [(tab.slug, () if tab.for_mediators else ("mediator",)) for tab in household_tabs()]


#: parameter → its values, each with the roles it is not offered to: a rule with such a
#: parameter is one page per value (every household tab is weighed and checked).
VARIANTS: dict[str, Callable[[], list[tuple[str, tuple[str, ...]]]]] = {
    "tab_slug": _household_tabs,
}


def _variants(route: PageRoute) -> list[PageRoute]:
    for param in route.params:
        if param in VARIANTS:
            return [PageRoute(route.rule, route.endpoint,
                              tuple(role for role in route.roles if role not in excluded),
                              route.fixed + ((param, value),))
                    for value, excluded in VARIANTS[param]()]
    return [route]


def _get_routes(app) -> list[PageRoute]:
    """Every declared GET rule outside /api/ (pages and downloads) with the roles allowed."""
    from isp.auth import access_matrix

    routes = []
    for rule, endpoint, methods, access in access_matrix(app):
        if "GET" not in methods or rule.startswith("/api/") or endpoint in NOT_PAGES:
            continue
        if access is None:
            continue  # undeclared: refused anyway, and tests/test_access.py fails on it
        allowed = {str(r) for r in access.roles}
        if access.is_public:
            roles: tuple[str, ...] = ("anonymous",)
        elif allowed == {"admin", "resident"}:
            # A resident's own page (/moi): the admin, always allowed, has no household there.
            roles = tuple(role for role in ROLES if role == "resident")
        else:
            roles = tuple(role for role in ROLES if role in allowed)
        routes.extend(_variants(PageRoute(rule, endpoint, roles)))
    return routes


def page_routes(app) -> list[PageRoute]:
    """Every GET page rule of the app with the roles allowed on it (downloads left out)."""
    return [route for route in _get_routes(app) if not DOWNLOAD_RULE.search(route.rule)]


def download_routes(app) -> list[PageRoute]:
    """Every GET rule answering with a file (CSV, JSON, XML, PDF...)."""
    return [route for route in _get_routes(app) if DOWNLOAD_RULE.search(route.rule)]


# --- URL parameters from the demo data -----------------------------------------------------------

@dataclass
class ResolveContext:
    """What a resolver may use: the role's demo user and its scope, and the database session."""

    role: str
    user: object | None
    session: object

    @classmethod
    def of_demo_role(cls, role: str, session) -> ResolveContext:
        """The context of the demo user of ``role`` (none for ``"anonymous"``)."""
        from sqlalchemy import select

        from isp.models import User
        from tests.ui.conftest import ROLE_EMAILS

        user = None
        if role == "resident":  # the demo resident the UI signs in (residents/demo.py)
            from residents.accounts import parse_login
            from residents.models import ResidentAccount

            _kind, login = parse_login(ROLE_EMAILS["resident"])
            user = session.execute(select(User).join(
                ResidentAccount, ResidentAccount.user_id == User.id).where(
                ResidentAccount.login == login, ResidentAccount.ended_at.is_(None))).scalar_one()
        elif role in ROLE_EMAILS:
            user = session.execute(
                select(User).where(User.email == ROLE_EMAILS[role])).scalar_one()
        return cls(role, user, session)

    @property
    def is_mediator(self) -> bool:
        return self.role == "mediator"

    def first(self, statement):
        """The first value of ``statement``; None when that domain's table is not migrated yet."""
        from sqlalchemy.exc import OperationalError, ProgrammingError

        try:
            return self.session.execute(statement.limit(1)).scalar()
        except (OperationalError, ProgrammingError):
            self.session.rollback()
            return None


def _model(dotted: str):
    """A model class by dotted path, or None when that domain has not landed yet."""
    module_name, _, name = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError):
        return None


def _household_id(ctx: ResolveContext):
    from isp.auth import Scope
    from subscribers.services import households_query

    if ctx.user is None or ctx.role == "analyst":
        return None
    return ctx.first(households_query(Scope.of(ctx.user)).with_only_columns(
        _model("subscribers.models.Household").id))


def _ticket_number(ctx: ResolveContext):
    """A ticket the role may open (mediators: of their association's households)."""
    from isp.auth import Scope

    try:
        from support.models import Ticket
        from support.queries import tickets_query
    except ImportError:
        return None
    if ctx.user is None or ctx.role == "analyst":
        return None
    return ctx.first(tickets_query(Scope.of(ctx.user)).with_only_columns(Ticket.number))


def _first_of(dotted_column: str, **where) -> Callable[[ResolveContext], object]:
    """Resolver: the first value of ``model.column`` (ordered by it), with simple filters."""
    model_path, _, column = dotted_column.rpartition(".")

    def _resolve(ctx: ResolveContext):
        model = _model(model_path)
        if model is None:
            return None
        # Not NULL: a draft invoice has no number yet (a browser test may prepare some).
        statement = select(getattr(model, column)).where(getattr(model, column).is_not(None))
        for name, value in where.items():
            statement = statement.where(getattr(model, name) == value)
        return ctx.first(statement.order_by(getattr(model, column)))

    return _resolve


def _own_association_code(ctx: ResolveContext):
    association = _model("mediation.models.Association")
    if ctx.is_mediator and ctx.user is not None:
        return ctx.first(select(association.code).where(
            association.id == ctx.user.association_id))
    return ctx.first(select(association.code).order_by(association.code))


def _own_slot_id(ctx: ResolveContext):
    slot = _model("mediation.models.CoachingSlot")
    if slot is None:
        return None
    statement = select(slot.id).order_by(slot.starts_at)
    if ctx.is_mediator and ctx.user is not None:
        statement = statement.where(slot.association_id == ctx.user.association_id)
    return ctx.first(statement)


def _place_id(ctx: ResolveContext):
    """A place of the association the ``code`` resolver gives (places are under it)."""
    place = _model("mediation.models.Place")
    association = _model("mediation.models.Association")
    code = _own_association_code(ctx) if place is not None else None
    if code is None:
        return None
    return ctx.first(select(place.id).join(association, association.id == place.association_id)
                     .where(association.code == code).order_by(place.id))


def _session_id(ctx: ResolveContext):
    """A coaching session record the role may open (mediators: their association's)."""
    record = _model("mediation.models.SessionRecord")
    if record is None:
        return None
    statement = select(record.id).order_by(record.id)
    if ctx.is_mediator and ctx.user is not None:
        statement = statement.where(record.association_id == ctx.user.association_id)
    return ctx.first(statement)


def _subscription_id(ctx: ResolveContext):
    """A subscription still running (the change page acts on it)."""
    subscription = _model("subscribers.models.Subscription")
    return ctx.first(select(subscription.id).where(subscription.terminated_on.is_(None))
                     .order_by(subscription.id))


def _scenario_ids_query(ctx: ResolveContext) -> str | None:
    """``?ids=`` of the saved scenarios (compare page, CSV export)."""
    scenario = _model("evaluation.models.Scenario")
    if scenario is None:
        return None
    try:
        ids = ctx.session.execute(select(scenario.id).order_by(scenario.id).limit(3)).scalars()
        joined = ",".join(str(i) for i in ids)
    except Exception:  # noqa: BLE001 - table not migrated yet: reported as unresolved
        ctx.session.rollback()
        return None
    return f"?ids={joined}" if joined else None


def _period(ctx: ResolveContext):
    # The latest month with issued invoices (numbered): a browser test may prepare drafts of a
    # later month, which have nothing to export yet.
    invoice = _model("billing.models.Invoice")
    if invoice is not None:
        value = ctx.first(select(invoice.period).where(invoice.number.is_not(None))
                          .order_by(invoice.period.desc()))
        if value:
            return value
    from isp.timeutil import today

    return today().strftime("%Y-%m")


#: parameter name (or "<segment before it>.<name>") → resolver.
RESOLVERS: dict[str, Callable[[ResolveContext], object]] = {
    "household_id": _household_id,
    "buildings.code": _first_of("subscribers.models.Building.code", code="PB"),
    "units.code": _first_of("subscribers.models.Unit.code", code="PB-A-01-1"),
    "unit_code": _first_of("subscribers.models.Unit.code", code="PB-A-01-1"),
    "building_code": _first_of("subscribers.models.Building.code", code="PB"),
    "districts.code": _first_of("subscribers.models.District.code", code="PORT-BOYER"),
    "district_code": _first_of("subscribers.models.District.code", code="PORT-BOYER"),
    "associations.code": _own_association_code,
    "association_code": _own_association_code,
    "user_id": _first_of("isp.models.User.id"),
    "hostname": _first_of("network.models.Device.hostname"),
    "device_id": _first_of("network.models.Device.id"),
    "job_id": _first_of("network.provisioning.models.ProvisioningJob.id"),
    "backup_id": _first_of("network.provisioning.models.ConfigBackup.id"),
    "subscription_id": _subscription_id,
    "place_id": _place_id,
    "session_id": _session_id,
    "invoices.number": _first_of("billing.models.Invoice.number"),
    "invoice_number": _first_of("billing.models.Invoice.number"),
    "credit-notes.number": _first_of("billing.models.CreditNote.number"),
    "tickets.number": _ticket_number,
    "ticket_number": _ticket_number,
    "tariffs.code": _first_of("billing.models.Tier.code"),
    "plans.code": _first_of("billing.models.Plan.code"),
    "port_id": _first_of("network.models.Port.id"),
    "period": _period,
    "year": lambda ctx: _period(ctx)[:4],
    "slot_id": _own_slot_id,
    "scenario_id": _first_of("evaluation.models.Scenario.id"),
    "imports.kind": lambda ctx: "units",
}


#: endpoint → query string a page needs to be a page (without it, it sends back to a list).
QUERIES: dict[str, Callable[[ResolveContext], str | None]] = {
    "evaluation.scenario_compare": _scenario_ids_query,
    "evaluation.scenario_export": _scenario_ids_query,
}


def _load_domain_resolvers() -> None:
    """A domain's ``tests/<domain>/ui_resolvers.py`` adds its own ``RESOLVERS`` and ``QUERIES``."""
    from pathlib import Path

    for path in sorted(Path(__file__).parents[1].glob("*/ui_resolvers.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.ui_resolvers")
        RESOLVERS.update(getattr(module, "RESOLVERS", {}))
        QUERIES.update(getattr(module, "QUERIES", {}))


_load_domain_resolvers()


def _resolver_for(rule: str, param: str):
    before = re.search(r"/([^/<>]+)/<(?:[^:<>]+:)?" + re.escape(param) + ">", rule)
    if before and f"{before.group(1)}.{param}" in RESOLVERS:
        return RESOLVERS[f"{before.group(1)}.{param}"]
    return RESOLVERS.get(param)


class UnresolvedRoutes(Exception):
    """Some page rules have parameters no resolver can fill."""


def build_url(route: PageRoute, ctx: ResolveContext) -> str:
    """The concrete URL of ``route`` for ``ctx.role``; raises UnresolvedRoutes with the gap."""
    url = route.rule
    missing = []
    fixed = dict(route.fixed)
    for match in re.finditer(r"<(?:[^:<>]+:)?([^<>]+)>", route.rule):
        param = match.group(1)
        resolver = (lambda _ctx, v=fixed[param]: v) if param in fixed else \
            _resolver_for(route.rule, param)
        value = resolver(ctx) if resolver else None
        if value is None:
            missing.append(param if resolver is None else f"{param} (resolver found no demo row)")
            continue
        url = url.replace(match.group(0), str(value), 1)
    if route.endpoint in QUERIES:
        query = QUERIES[route.endpoint](ctx)
        if query is None:
            missing.append("its query string (resolver found no demo row)")
        else:
            url += query
    if missing:
        raise UnresolvedRoutes(f"{route.rule} [{route.endpoint}] as {ctx.role}: "
                               f"no value for {', '.join(missing)}")
    return url


# --- figures of one page view ------------------------------------------------------------------

@dataclass
class PageFigures:
    """What one cold page view costs (EcoIndex inputs and result)."""

    url: str
    role: str
    endpoint: str
    transferred_bytes: int = 0
    requests: int = 0
    dom_elements: int = 0
    ecoindex: float = 0.0
    grade: str = "?"
    violations: list = field(default_factory=list)

    @property
    def kilobytes(self) -> float:
        return self.transferred_bytes / 1024

    def over_budget(self) -> list[str]:
        reasons = []
        if self.kilobytes > MAX_KB:
            reasons.append(f"{self.kilobytes:.1f} KB > {MAX_KB} KB")
        if self.requests > MAX_REQUESTS:
            reasons.append(f"{self.requests} requests > {MAX_REQUESTS}")
        floor = GRADE_EXCEPTIONS.get(self.endpoint, (MIN_GRADE, ""))[0]
        if self.grade > floor:
            reasons.append(f"EcoIndex grade {self.grade} (score {self.ecoindex:.0f}) below {floor}")
        return reasons


def _await_now(coroutine):
    """Run a coroutine that never suspends (the ecoindex functions) inside Playwright's loop."""
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value
    coroutine.close()
    raise RuntimeError("coroutine suspended")


def ecoindex_of(dom: int, kilobytes: float, requests: int) -> tuple[float, str]:
    """Score and grade from the maintained ``ecoindex`` package (ecoindex-compute)."""
    from ecoindex.compute import get_grade, get_score

    score = _await_now(get_score(dom=dom, size=kilobytes, requests=requests))
    return float(score), _await_now(get_grade(score))


#: EcoIndex counts elements, not the inside of inline SVG charts.
DOM_COUNT_JS = ("() => document.getElementsByTagName('*').length"
                " - document.querySelectorAll('svg *').length")


class PageMeter:
    """A page with a CDP session counting requests and encoded bytes, cache disabled (cold)."""

    def __init__(self, context):
        self.page = context.new_page()
        self.cdp = context.new_cdp_session(self.page)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        self._requests: set[str] = set()
        self._bytes: dict[str, int] = {}
        self.cdp.on("Network.requestWillBeSent", self._on_request)
        self.cdp.on("Network.loadingFinished", self._on_finished)

    def _on_request(self, event: dict) -> None:
        if not event["request"]["url"].startswith("data:"):
            self._requests.add(event["requestId"])

    def _on_finished(self, event: dict) -> None:
        self._bytes[event["requestId"]] = int(event.get("encodedDataLength", 0))

    def measure(self, url: str, *, role: str, endpoint: str) -> PageFigures:
        """Load ``url`` cold and return its figures (no accessibility run)."""
        self._requests.clear()
        self._bytes.clear()
        response = self.page.goto(url, wait_until="load")
        if response is None or response.status != 200:
            raise AssertionError(f"{url} as {role}: HTTP {response and response.status}")
        dom = int(self.page.evaluate(DOM_COUNT_JS))
        self.page.wait_for_timeout(50)  # let the last loadingFinished events arrive
        transferred = sum(self._bytes.get(request_id, 0) for request_id in self._requests)
        figures = PageFigures(url, role, endpoint, transferred, len(self._requests), dom)
        figures.ecoindex, figures.grade = ecoindex_of(dom, figures.kilobytes, figures.requests)
        return figures

    def close(self) -> None:
        self.page.close()


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the loaded page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                       "resultTypes": ["violations"]})
    return results.response["violations"]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"      {' '.join(node['target'])}  {node['html'][:160]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"      ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def figures_table(rows: list[PageFigures]) -> str:
    """The page-weight table (Markdown), as the README and the ecodesign statement show it."""
    lines = ["| page | role | KB | requests | DOM | EcoIndex | grade |",
             "|---|---|---:|---:|---:|---:|:-:|"]
    for row in sorted(rows, key=lambda r: (r.endpoint, r.role)):
        lines.append(f"| `{row.endpoint}` | {row.role} | {row.kilobytes:.1f} | {row.requests} | "
                     f"{row.dom_elements} | {row.ecoindex:.0f} | {row.grade} |")
    return "\n".join(lines)
