"""A refused action leaves nothing behind (docs/architecture.md §3, "undo a refused change").

A service may flush rows before it meets the rule that refuses; a page that shows the refusal
and then commits something else in the same request (a read audit, the form token of
``isp.idempotency``) would save those rows too. Every page goes through ``isp.forms``
(``show_domain_error``, ``flash_domain_error``, ``discard_refused_change``), which roll the
session back first; the second test keeps it the only way.
"""

from __future__ import annotations

import ast
from pathlib import Path

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField

from isp.errors import DomainError
from isp.forms import flash_domain_error, show_domain_error
from subscribers import lifecycle
from subscribers.models import Subscription, SubscriptionEvent
from tests import factories
from tests.network.factories_provisioning import make_wired_household

ROOT = Path(__file__).resolve().parent.parent.parent
HELPERS = {"show_domain_error", "flash_domain_error", "discard_refused_change"}
# Handlers that only read a filter or a search (nothing was written): they say why and go on.
READS_ONLY = {
    ("banking/views.py", "_line_page"),
    ("equipment/views.py", "index"),
    ("evaluation/views.py", "_ranking_args"),
    ("residents/views_sepa.py", "_chosen"),
    ("subscribers/views.py", "_status_filter"),
}


def test_a_subscription_refused_after_its_rows_were_written_leaves_none(client, db, login_as,
                                                                         monkeypatch):
    """The subscribe page commits a read audit after a refusal: the refused rows must not
    ride along with it."""
    login_as("operator")
    household = make_wired_household()
    db.session.commit()
    real_subscribe = lifecycle.subscribe

    def refuses_late(household, **kwargs):
        real_subscribe(household, **kwargs)  # the subscription, its event and its job: flushed
        raise DomainError("Refusé après écriture", field="activate_on")

    monkeypatch.setattr(lifecycle, "subscribe", refuses_late)
    response = client.post(f"/households/{household.id}/subscribe",
                           data={"tier": "T2", "plan_code": lifecycle.DEFAULT_PLAN})
    assert response.status_code == 400
    assert "Refusé après écriture" in response.get_data(as_text=True)
    assert db.session.execute(select(Subscription.id).where(
        Subscription.household_id == household.id)).first() is None
    assert db.session.execute(select(SubscriptionEvent.id).join(Subscription).where(
        Subscription.household_id == household.id)).first() is None


class _Form(FlaskForm):
    code = StringField()
    name = StringField()


def test_the_helpers_roll_back_before_they_show_the_refusal(app, db):
    for show in (lambda form, error: show_domain_error(form, error, "code"),
                 lambda form, error: flash_domain_error(error)):
        with app.test_request_context("/", method="POST"):
            user = factories.make_user("operator")  # flushed, as a service would
            user_id = user.id
            form = _Form(meta={"csrf": False})
            show(form, DomainError("Non", field="name"))
            assert db.session.get(type(user), user_id) is None
    with app.test_request_context("/", method="POST"):
        form = _Form(meta={"csrf": False})
        show_domain_error(form, DomainError("Non", field="name"), "code")
        show_domain_error(form, DomainError("Inconnu", field="elsewhere"), "code")
        assert form.name.errors == ["Non"]
        assert form.code.errors == ["Inconnu"]


def _view_modules():
    for path in sorted(ROOT.glob("*/**/views*.py")):
        if not {".venv", "tests"} & set(path.relative_to(ROOT).parts):
            yield path
    yield ROOT / "isp" / "pages_admin.py"


def _called(node: ast.AST) -> set[str]:
    """The names a piece of code calls (``a.b.c()`` gives ``c``)."""
    return {call.func.attr if isinstance(call.func, ast.Attribute) else getattr(
        call.func, "id", "") for call in ast.walk(node) if isinstance(call, ast.Call)}


def _catches_domain_error(handler: ast.ExceptHandler) -> bool:
    return handler.type is not None and "DomainError" in {
        getattr(node, "id", None) for node in ast.walk(handler.type)}


def test_every_page_undoes_a_refusal_through_isp_forms():
    offenders = []
    for path in _view_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
        # a module's own wording helper counts when it goes through isp.forms itself
        undoing = HELPERS | {f.name for f in functions if _called(f) & HELPERS}
        name = path.relative_to(ROOT).as_posix()
        for function in functions:
            for handler in ast.walk(function):
                if not (isinstance(handler, ast.ExceptHandler) and
                        _catches_domain_error(handler)):
                    continue
                body = ast.Module(body=handler.body, type_ignores=[])
                called = _called(body)
                where = f"{name}:{handler.lineno} {function.name}"
                if "rollback" in called:
                    offenders.append(f"{where}: db.session.rollback() by hand")
                if "flash" in called or any(
                        isinstance(node, ast.Assign) and any(
                            isinstance(t, ast.Attribute) and t.attr == "errors"
                            for t in node.targets) for node in ast.walk(body)):
                    offenders.append(f"{where}: shows the refusal by hand")
                reraises = any(isinstance(node, ast.Raise) for node in ast.walk(body)) \
                    or "abort" in called
                if not (called & undoing or reraises or (name, function.name) in READS_ONLY):
                    offenders.append(f"{where}: does not undo the refused change")
    assert not offenders, "\n".join(offenders)
