"""A household's whole life, end to end, with the real lab parts and a moving clock (issue 16).

One test walks one household from its move-in to the purge of its last records: eligibility
suggestion and decision, subscription, provisioning over SSH (the lab simulator), usage from SNMP
(snmpsim), a monthly invoice, arrears, the social dunning path on the Paris calendar, an FSL
request that holds it, payment and lift, move-out, the next tenant, the analyst's figures, and
the retention purge at the end of each period. At each step it checks what each role sees: the
operator's page and API, the mediator's page and API, the analyst's aggregates.

It runs in both passes of the CI (SQLite and PostgreSQL). The clock is Europe/Paris wall time
moved by time_machine; SNMP readings come from "before" and "after" recordings 300 s of
sysUpTime apart, and the clock moves 300 s between the two polls.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import g
from sqlalchemy import func, select

from billing import dunning, runs, tariffs
from billing.eligibility import decide_tier, suggest_tier
from billing.models import DunningStep, EligibilityDecision, Invoice, Payment
from evaluation.aggregates import refresh as refresh_evaluation
from isp.disclosure import money_base_cents, round_count, round_money
from isp.errors import DomainError
from isp.gdpr import purge_expired
from isp.services import create_token
from lab.ssh_switch import SshLab, start_ssh_lab
from mediation.models import Assignment, SessionRecord
from network.credentials import encrypt_secret
from network.models import Device, Port, UsageDay, UsageHour
from network.poller import run_poll_cycle
from network.provisioning import queue as provisioning
from network.provisioning.ssh import NetmikoConfigurator
from subscribers.models import Household, Subscription
from tests import factories
from tests.factories import DEFAULT_PASSWORD
from tests.network.conftest import snmpsim_agent  # noqa: F401  (the real SNMP agent fixture)

pytestmark = pytest.mark.xdist_group("journey")

PARIS = ZoneInfo("Europe/Paris")
SWITCH = "pb-journey-1"
LAB_PASSWORD = "journey-Pa55-9137"
LAB_SECRET = "journey-En-2281"
HOLDER = "Awa Journeytest"
PHONE = "0611223344"
NEXT_TENANT = "Karim Suivant"


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture(scope="module")
def ssh_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshLab]:
    lab = start_ssh_lab([SWITCH], tmp_path_factory.mktemp("journey-ssh"),
                        password=LAB_PASSWORD, secret=LAB_SECRET, port_count=8)
    try:
        yield lab
    finally:
        lab.stop()


class Roles:
    """One logged-in browser (test client) and one API token per role."""

    def __init__(self, app, association) -> None:
        self.app = app
        self.users = {
            "admin": factories.make_user("admin", email="admin@journey.example"),
            "operator": factories.make_user("operator", email="operator@journey.example"),
            "mediator": factories.make_user("mediator", association=association,
                                            email="mediator@journey.example"),
            "analyst": factories.make_user("analyst", email="analyst@journey.example"),
        }
        self.clients = {role: app.test_client() for role in self.users}
        self.headers = {role: {"Authorization": f"Bearer {create_token(user)}"}
                        for role, user in self.users.items()}
        for role in self.users:
            self.log_in(role)

    def log_in(self, role: str) -> None:
        _forget_request_state()
        response = self.clients[role].post("/login", data={"email": self.users[role].email,
                                                           "password": DEFAULT_PASSWORD})
        assert response.status_code == 302, (role, response.status_code)

    def page(self, role: str, url: str):
        _forget_request_state()
        response = self.clients[role].get(url)
        if response.status_code == 302 and "/login" in response.location:
            self.log_in(role)  # the session ended while the clock moved: sign in again
            _forget_request_state()
            response = self.clients[role].get(url)
        return response

    def api(self, role: str, method: str, url: str, headers: dict | None = None, **kwargs):
        _forget_request_state()
        return self.clients[role].open(url, method=method,
                                       headers={**self.headers[role], **(headers or {})},
                                       **kwargs)


def _forget_request_state() -> None:
    """The ``db`` fixture keeps one app context, hence one ``g``, for the whole test.

    Flask-Login caches the request's user in ``g``: forget it so that each client is itself.
    """
    for name in ("_login_user", "token_user"):
        g.pop(name, None)


def operator_sees(roles: Roles, household_id: int) -> str:
    response = roles.page("operator", f"/households/{household_id}")
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    return response.get_data(as_text=True)


def mediator_status(roles: Roles, household_id: int) -> tuple[int, int]:
    """(page status, API status) of the mediator asking for the household."""
    return (roles.page("mediator", f"/households/{household_id}").status_code,
            roles.api("mediator", "GET", f"/api/v1/households/{household_id}").status_code)


def analyst_figures(roles: Roles, building_code: str, period: str) -> dict:
    response = roles.api("analyst", "GET",
                         f"/api/v1/evaluation/buildings/{building_code}?period={period}")
    assert response.status_code == 200, response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    assert HOLDER not in text and PHONE not in text  # nothing personal reaches the analysts
    return response.get_json()["figures"]


def switch_port(lab: SshLab, if_name: str = "GigabitEthernet1/0/1") -> dict:
    return lab.interface(SWITCH, if_name)


def run_jobs() -> list:
    return provisioning.run_queue(configurator=NetmikoConfigurator(
        conn_timeout=5, banner_timeout=5, read_timeout=5, save_read_timeout=8), max_workers=1)


def test_a_household_from_move_in_to_purge(app, db, snmpsim_agent, ssh_lab):  # noqa: F811
    with time_machine.travel(paris(2026, 8, 31, 10, 0), tick=True) as clock:
        _journey(app, db, snmpsim_agent, ssh_lab, clock)


def _journey(app, db, agent, lab, clock) -> None:  # noqa: PLR0915 (one story, told in order)
    # --- the building, its switch and its neighbours -----------------------------------------
    tariffs.ensure_default_grid()
    district = factories.make_district("JRN", name="Quartier du parcours")
    building = factories.make_building("JRN-B", district=district, status="live")
    association = factories.make_association("ASSO-JRN", districts="JRN", languages="fr;wo",
                                             specialties="online_admin")
    roles = Roles(app, association)
    operator = roles.users["operator"]
    device = Device(building=building, hostname=SWITCH, mgmt_address="127.0.0.1",
                    role="access", device_type="cisco_ios", snmp_port=agent.port,
                    snmp_version="2c", snmp_community_enc=encrypt_secret("cisco_normal_before"),
                    ssh_port=lab.port(SWITCH), ssh_username="admin",
                    ssh_password_enc=encrypt_secret(LAB_PASSWORD),
                    ssh_secret_enc=encrypt_secret(LAB_SECRET))
    db.session.add(device)
    unit = factories.make_unit("JRN-B-A-01", building=building)
    db.session.add(Port(device_id=device.id, if_name="Gi1/0/1", unit_id=unit.id))
    # Twelve neighbours already subscribed: the building's figures pass the small-cell rule.
    for number in range(12):
        neighbour_unit = factories.make_unit(f"JRN-B-B-{number:02}", building=building)
        neighbour = factories.make_household(unit=neighbour_unit,
                                             moved_in_on=date(2026, 1, 1))
        factories.make_subscription(household=neighbour, tier="T3",
                                    activated_on=date(2026, 1, 1))
    db.session.commit()

    # --- an admin sets the tariff and the reduced speeds; both reach the other domains -------
    response = roles.api("admin", "PUT", "/api/v1/tariffs/T1",
                         json={"monthly_price_cents": 350, "valid_from": "2026-09"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert tariffs.prices_for_period("2026-09")["T1"] == 350
    assert tariffs.prices_for_period("2026-08")["T1"] == 290  # past months keep their price
    response = roles.api("admin", "PUT", "/api/v1/plans/SOLIDAIRE-1G",
                         json={"reduced_down_kbps": 10_000, "reduced_up_kbps": 3_000})
    assert response.status_code == 200, response.get_data(as_text=True)

    # --- move-in (31 August) ------------------------------------------------------------------
    response = roles.api("operator", "POST", "/api/v1/households",
                         json={"unit_code": unit.code, "holder_name": HOLDER, "phone": PHONE,
                               "language": "wo", "needs": ["online_admin"],
                               "moved_in_on": "2026-08-31"})
    assert response.status_code == 201, response.get_data(as_text=True)
    household_id = response.get_json()["id"]
    household = db.session.get(Household, household_id)
    assert HOLDER in operator_sees(roles, household_id)
    assert mediator_status(roles, household_id) == (404, 404)  # not assigned yet

    # --- eligibility: a suggestion with its reasons, a named person decides ------------------
    suggestion = suggest_tier("rsa")
    assert suggestion.tier == "T1" and suggestion.reasons
    decision = decide_tier(household, actor=operator, evidence_type="rsa", decided_tier="T1",
                           evidence_reference="CAF-RSA-2026-0042")
    assert decision.decided_by_id == operator.id and decision.suggested_tier == "T1"

    # --- association: suggested, confirmed by the operator; the mediator now sees the flat ---
    response = roles.api("operator", "GET",
                         f"/api/v1/households/{household_id}/suggested-associations")
    assert response.status_code == 200
    assert response.get_json()["items"][0]["association_code"] == "ASSO-JRN"
    response = roles.api("operator", "POST", "/api/v1/assignments",
                         json={"household_id": household_id, "association_code": "ASSO-JRN"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert mediator_status(roles, household_id) == (200, 200)
    assert HOLDER in roles.page("mediator", f"/households/{household_id}").get_data(as_text=True)

    # --- subscription and provisioning over SSH (1 September) ---------------------------------
    clock.move_to(paris(2026, 9, 1, 9, 0))
    response = roles.api("operator", "POST", "/api/v1/subscriptions",
                         json={"unit_code": unit.code, "tier": "T1"})
    assert response.status_code == 201, response.get_data(as_text=True)
    subscription_id = response.get_json()["id"]
    [outcome] = run_jobs()
    assert outcome.state == "succeeded"
    subscription = db.session.get(Subscription, subscription_id)
    assert subscription.status == "active" and subscription.activated_on == date(2026, 9, 1)
    full_speed = switch_port(lab)
    assert full_speed["shutdown"] is False and full_speed["description"] == unit.code

    # --- usage from SNMP: a baseline reading, then a second one 300 s later ------------------
    first_poll = run_poll_cycle(devices=[device])
    assert first_poll.ok == 1 and first_poll.usage_octets == 0
    device.snmp_community_enc = encrypt_secret("cisco_normal_after")
    db.session.commit()
    clock.shift(300)
    second_poll = run_poll_cycle(devices=[device])
    assert second_poll.ok == 1 and second_poll.discarded == 0
    downloaded = db.session.scalar(select(func.sum(UsageDay.download_octets)).where(
        UsageDay.subscription_id == subscription_id))
    assert downloaded == 30_000_000_000  # the port's out octets are the household's download
    response = roles.api("operator", "GET", f"/api/v1/usage?unit={unit.code}")
    assert response.status_code == 200

    # --- a coaching session, linked to the household while it is assigned ---------------------
    response = roles.api("mediator", "POST", "/api/v1/sessions",
                         json={"kind": "individual", "held_on": "2026-09-01",
                               "duration_minutes": 60, "place_type": "own_place",
                               "commune_code": "44109", "themes": ["email"],
                               "household_id": household_id})
    assert response.status_code == 201, response.get_data(as_text=True)
    session_id = response.get_json()["id"]

    # --- the monthly invoice (1 October, at the new T1 price) ---------------------------------
    clock.move_to(paris(2026, 10, 1, 8, 0))
    runs.prepare_invoices("2026-09", actor=operator)
    runs.issue_invoices("2026-09", actor=operator)
    db.session.commit()
    invoice = db.session.execute(select(Invoice).where(
        Invoice.household_id == household_id)).scalar_one()
    invoice_id = invoice.id
    assert invoice.total_cents == 350 and invoice.due_on == date(2026, 10, 31)
    assert invoice.full_cost_cents > invoice.total_cents
    assert invoice.subsidy_cents == invoice.full_cost_cents - invoice.total_cents

    # --- arrears and the dunning path on the Paris calendar -----------------------------------
    expected: set[str] = set()
    for day, kind in ((date(2026, 11, 16), "reminder"), (date(2026, 12, 1), "referral"),
                      (date(2026, 12, 30), "reduction")):
        clock.move_to(paris(day.year, day.month, day.day, 7, 0))
        dunning.run_dunning(actor=None)
        db.session.commit()
        expected.add(kind)
        assert {step.kind for step in dunning.household_steps(household_id)} == expected
    [proposal] = [s for s in dunning.household_steps(household_id) if s.kind == "reduction"]
    assert proposal.state == "proposed"
    statement = operator_sees(roles, household_id)
    assert "Relance" in statement or "relance" in statement

    # Thursday 31 December at 23:30 UTC is Friday 1 January (a holiday) in Paris: refused.
    clock.move_to(datetime.fromisoformat("2026-12-31T23:30:00+00:00"))
    with pytest.raises(DomainError) as refused:
        dunning.approve_reduction(proposal, actor=operator)
    assert refused.value.field == "on", refused.value.message
    db.session.rollback()

    # Monday 4 January: an FSL aid request is filed; every escalation waits for its answer.
    clock.move_to(paris(2027, 1, 4, 9, 0))
    fsl = dunning.file_fsl_request(household, actor=operator, filed_on=date(2027, 1, 4))
    db.session.commit()
    with pytest.raises(DomainError) as held:
        dunning.approve_reduction(proposal, actor=operator)
    assert "FSL" in held.value.message and held.value.status == 409
    db.session.rollback()
    # The manual "reduce" of the subscription screen may not bypass the path either.
    response = roles.api("admin", "POST", f"/api/v1/subscriptions/{subscription_id}/actions",
                         json={"action": "reduce",
                               "reason": "réduction manuelle pour impayé un dimanche"})
    assert response.status_code in (403, 409, 422), response.get_data(as_text=True)
    assert db.session.get(Subscription, subscription_id).status == "active"

    # Tuesday 5 January: the fund refuses; the operator approves the reduction on a working day.
    clock.move_to(paris(2027, 1, 5, 10, 0))
    fsl = db.session.merge(fsl)
    dunning.decide_fsl(fsl, actor=operator, decision="refused", decided_on=date(2027, 1, 5))
    proposal = db.session.get(DunningStep, proposal.id)
    dunning.approve_reduction(proposal, actor=operator)
    db.session.commit()
    [outcome] = run_jobs()
    assert outcome.state == "succeeded"
    assert db.session.get(Subscription, subscription_id).status == "reduced"
    reduced = switch_port(lab)
    # The plan's reduced speeds, not a hard-coded policy: out is the download, in the upload.
    assert (reduced["policy_out"], reduced["policy_in"]) == ("PM-10M", "PM-3M")

    # --- payment (API, with an idempotency key: a retry records nothing twice) and lift ------
    clock.move_to(paris(2027, 1, 8, 11, 0))
    payment = {"household_id": household_id, "amount_cents": 350, "method": "cash",
               "received_on": "2027-01-08", "reference": "guichet"}
    key = {"Idempotency-Key": "journey-payment-1"}
    first = roles.api("operator", "POST", "/api/v1/payments", json=payment, headers=key)
    again = roles.api("operator", "POST", "/api/v1/payments", json=payment, headers=key)
    assert first.status_code == 201, first.get_data(as_text=True)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert db.session.scalar(select(func.count()).select_from(Payment).where(
        Payment.household_id == household_id)) == 1
    db.session.expire_all()
    assert db.session.get(Subscription, subscription_id).status in ("reduced", "active")
    run_jobs()
    assert db.session.get(Subscription, subscription_id).status == "active"
    assert switch_port(lab)["policy_out"] == full_speed["policy_out"]
    balance = roles.api("operator", "GET", f"/api/v1/households/{household_id}/balance")
    assert balance.get_json()["overdue_cents"] == 0

    # --- move-out (15 January): subscription ended, assignment ended, links cut ---------------
    clock.move_to(paris(2027, 1, 15, 10, 0))
    response = roles.api("operator", "POST", f"/api/v1/households/{household_id}/move-out",
                         json={"moved_out_on": "2027-01-15"})
    assert response.status_code == 200, response.get_data(as_text=True)
    run_jobs()
    db.session.expire_all()
    assert db.session.get(Subscription, subscription_id).status == "terminated"
    assert switch_port(lab)["shutdown"] is True
    assignment = db.session.execute(select(Assignment).where(
        Assignment.household_id == household_id)).scalar_one()
    assert assignment.ended_at is not None and assignment.ended_by_id == operator.id
    assert mediator_status(roles, household_id) == (404, 404)
    assert db.session.get(SessionRecord, session_id).household_id is None
    history = roles.api("operator", "GET", f"/api/v1/households/{household_id}/history")
    assert history.status_code == 200
    changes = history.get_json()["items"]
    assert any(item.get("actor") == operator.email for item in changes), changes

    # --- the next tenant sees nothing of the former one ---------------------------------------
    clock.move_to(paris(2027, 2, 1, 10, 0))
    response = roles.api("operator", "POST", "/api/v1/households",
                         json={"unit_code": unit.code, "holder_name": NEXT_TENANT,
                               "moved_in_on": "2027-02-01"})
    assert response.status_code == 201, response.get_data(as_text=True)
    next_id = response.get_json()["id"]
    page = operator_sees(roles, next_id)
    assert NEXT_TENANT in page and HOLDER not in page and PHONE not in page
    next_history = roles.api("operator", "GET", f"/api/v1/households/{next_id}/history")
    assert HOLDER not in next_history.get_data(as_text=True)
    flat_households = roles.api("operator", "GET", f"/api/v1/households?unit={unit.code}")
    assert [item["id"] for item in flat_households.get_json()["items"]] == [next_id]

    # --- the analyst's figures include the months, without a person ---------------------------
    refresh_evaluation()
    db.session.commit()
    september = analyst_figures(roles, building.code, "2026-09")
    # Published counts and amounts are rounded (docs/evaluation-privacy.md): 13 → 15.
    assert september["subs_active"]["value"] == round_count(13) == 15
    invoiced = sum(db.session.scalars(select(Invoice.total_cents).where(
        Invoice.period == "2026-09")))
    assert invoiced == 350 + 12 * 990
    base = money_base_cents(tariffs.prices_for_period("2026-09"))
    assert september["invoiced_cents"]["value"] == round_money(invoiced, base) > 0
    assert september["subsidy_cents"]["value"] is not None

    # --- retention, each at its period's end --------------------------------------------------
    # Port-hour usage: 90 days. The household's daily usage is rolled up when it has left.
    clock.move_to(paris(2027, 4, 30, 3, 0))
    purge_expired()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(UsageHour).join(Port).where(
        Port.device_id == device.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(UsageDay).where(
        UsageDay.subscription_id == subscription_id)) == 0
    # Evidence references: the decision's validity (12 months) plus one year.
    clock.move_to(paris(2028, 8, 31, 3, 0))
    purge_expired()
    db.session.commit()
    assert db.session.get(EligibilityDecision, decision.id).evidence_reference == \
        "CAF-RSA-2026-0042"
    clock.move_to(paris(2028, 9, 2, 3, 0))
    purge_expired()
    db.session.commit()
    assert db.session.get(EligibilityDecision, decision.id).evidence_reference is None
    # Identity: three years after the last subscription ended, the household is anonymised.
    clock.move_to(paris(2030, 1, 14, 3, 0))
    purge_expired()
    db.session.commit()
    assert db.session.get(Household, household_id).holder_name == HOLDER
    clock.move_to(paris(2030, 1, 16, 3, 0))
    purge_expired()
    db.session.commit()
    db.session.expire_all()
    anonymised = db.session.get(Household, household_id)
    assert anonymised.holder_name != HOLDER and anonymised.phone is None
    for step in dunning.household_steps(household_id):
        assert HOLDER not in (step.text or "")
    # Invoices and payments: ten years (from the invoice's issue, from the payment's receipt).
    def payments() -> int:
        return db.session.scalar(select(func.count()).select_from(Payment).where(
            Payment.household_id == household_id))

    clock.move_to(paris(2036, 9, 30, 3, 0))
    purge_expired()
    db.session.commit()
    assert db.session.get(Invoice, invoice_id) is not None and payments() == 1
    clock.move_to(paris(2036, 10, 2, 3, 0))
    purge_expired()
    db.session.commit()
    assert db.session.get(Invoice, invoice_id) is None and payments() == 1
    clock.move_to(paris(2037, 1, 9, 3, 0))
    purge_expired()
    db.session.commit()
    assert payments() == 0
