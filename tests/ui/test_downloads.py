"""Every download (exports, open data, invoice PDF) as every role allowed: right type, not empty.

They are left out of the page audit (tests/ui/discovery.py DOWNLOAD_RULE): a file is not a
page to run axe on, but it must still answer with what its name promises.
"""

from __future__ import annotations

import pytest

from tests.ui.conftest import server_log_tail
from tests.ui.discovery import ResolveContext, build_url, download_routes

pytestmark = pytest.mark.ui

#: File extension (or last path segment) → content types accepted.
EXPECTED_TYPES = {
    "csv": ("text/csv",),
    "json": ("application/json",),
    "xml": ("application/xml", "text/xml"),
    "pdf": ("application/pdf",),
}
#: What the first bytes of each kind look like.
SIGNATURES = {"pdf": b"%PDF-", "xml": b"<?xml", "json": (b"{", b"[")}


def _sepa_mandate(ctx: ResolveContext, period: str) -> None:
    """The demo has no SEPA mandate: sign one, as the household page does, for an open invoice
    of ``period`` (once), so the direct-debit file has a payment to carry."""
    from sqlalchemy import select

    from billing import exports
    from billing.choices import OPEN_STATUSES
    from billing.models import Invoice, SepaMandate
    from subscribers.models import Household

    if ctx.session.execute(select(SepaMandate.id).where(
            SepaMandate.reference == "UI-TEST-1")).first():
        return
    invoice = ctx.session.execute(select(Invoice).where(
        Invoice.period == period, Invoice.status.in_(OPEN_STATUSES),
        Invoice.total_cents > Invoice.paid_cents).order_by(Invoice.number).limit(1)).scalar()
    assert invoice is not None, f"no open invoice in {period} to debit"
    household = ctx.session.get(Household, invoice.household_id)
    exports.record_mandate(household, actor=ctx.user, iban="FR7630006000011234567890189",
                           account_holder="Foyer de démonstration", reference="UI-TEST-1",
                           signed_on=invoice.issued_on)
    ctx.session.commit()


#: endpoint → set-up the demo lacks for that file to have content (ctx, the path's period).
SETUP = {"billing.export_sepa": _sepa_mandate}


def _collection_app():
    from isp import create_app

    return create_app("default", SQLALCHEMY_DATABASE_URI="sqlite://")


def _kind(rule: str) -> str:
    return rule.rsplit("/", 1)[-1].rsplit(".", 1)[-1]


def pytest_generate_tests(metafunc):
    if "download" in metafunc.fixturenames:
        visits = [(route, role) for route in download_routes(_collection_app())
                  for role in route.roles]
        metafunc.parametrize("download", visits,
                             ids=[f"{route.endpoint}[{role}]" for route, role in visits])


def test_there_are_downloads_to_check():
    kinds = {_kind(route.rule) for route in download_routes(_collection_app())}
    assert {"csv", "json", "pdf"} <= kinds, kinds
    assert kinds <= set(EXPECTED_TYPES), f"no expected type for {kinds - set(EXPECTED_TYPES)}"


def test_download_has_its_type_and_content(download, ui_app, role_context, live_server):
    from isp.extensions import db

    route, role = download
    with ui_app.app_context():
        ctx = ResolveContext.of_demo_role(role, db.session)
        path = build_url(route, ctx)
        if route.endpoint in SETUP:
            SETUP[route.endpoint](ctx, path.split("/")[3])
    response = role_context(role).request.get(live_server + path, max_redirects=0)
    assert response.status == 200, (f"{path} as {role}: HTTP {response.status}\n"
                                    + server_log_tail())
    kind = _kind(route.rule)
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    assert content_type in EXPECTED_TYPES[kind], f"{path}: {content_type}"
    body = response.body()
    assert body.strip(), f"{path} as {role} is empty"
    if kind in SIGNATURES:
        assert body.lstrip().startswith(SIGNATURES[kind]), f"{path}: starts with {body[:20]!r}"
    if kind == "csv":
        lines = body.decode("utf-8-sig").strip().splitlines()
        assert len(lines) >= 2, f"{path}: a header and no row ({lines[:1]})"
