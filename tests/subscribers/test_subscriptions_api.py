"""Subscriptions API, the subscriptions import and `isp provision run` (no switch needed)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from isp.csvimport import ImportRejected, run_import
from isp.extensions import db as _db
from network.provisioning.models import PortDesiredState, ProvisioningJob
from tests import factories
from tests.network.factories_provisioning import make_wired_household


def test_api_subscribe_act_and_list(db, client, api_as):
    _user, headers = api_as("operator")
    household = make_wired_household()
    code = household.unit.code

    created = client.post("/api/v1/subscriptions", json={"unit_code": code, "tier": "T2"},
                          headers=headers)
    sid = created.get_json()["id"]
    refused = client.post(f"/api/v1/subscriptions/{sid}/actions",
                          json={"action": "suspend", "reason": "Impayé de 40 €"},
                          headers=headers)
    listed = client.get(f"/api/v1/subscriptions?unit={code}", headers=headers).get_json()
    jobs = client.get(f"/api/v1/provisioning-jobs?unit={code}", headers=headers).get_json()

    assert created.status_code == 201
    assert created.get_json()["status"] == "provisioning"
    assert created.get_json()["latest_job"]["action"] == "activate"
    assert refused.status_code == 422 and refused.get_json()["field"] == "reason"
    assert [item["id"] for item in listed["items"]] == [sid]
    assert listed["items"][0]["unit_code"] == code and listed["total"] == 1
    # The list's statements are built once: another flat's filter is its own value.
    other = make_wired_household()
    client.post("/api/v1/subscriptions", json={"unit_code": other.unit.code, "tier": "T1"},
                headers=headers)
    everyone = client.get("/api/v1/subscriptions", headers=headers).get_json()
    assert [item["unit_code"] for item in everyone["items"]][:2] == [other.unit.code, code]
    listed = client.get(f"/api/v1/subscriptions?unit={other.unit.code}", headers=headers)
    assert [item["unit_code"] for item in listed.get_json()["items"]] == [other.unit.code]
    other_jobs = client.get(f"/api/v1/provisioning-jobs?unit={other.unit.code}",
                            headers=headers).get_json()
    assert [job["unit_code"] for job in other_jobs["items"]] == [other.unit.code]
    state = other_jobs["items"][0]["state"]
    in_state = client.get(f"/api/v1/provisioning-jobs?unit={code}&state={state}",
                          headers=headers).get_json()
    assert [(job["unit_code"], job["state"]) for job in in_state["items"]] == [(code, state)]
    other_state = client.get(f"/api/v1/provisioning-jobs?unit={code}&state=failed",
                             headers=headers).get_json()
    assert other_state["items"] == [] or state == "failed"
    assert [(j["action"], j["state"], j["attempts"]) for j in jobs["items"]] == [
        ("activate", "queued", 0)]
    assert set(jobs["items"][0]) >= {"id", "action", "state", "attempts", "error",
                                     "created_at", "finished_at"}


def test_api_rejects_bad_input_and_writes_nothing(db, client, api_as):
    _user, headers = api_as("operator")
    household = make_wired_household()

    bad_tier = client.post("/api/v1/subscriptions",
                           json={"unit_code": household.unit.code, "tier": "T7"},
                           headers=headers)
    not_json = client.post("/api/v1/subscriptions", data="x", headers=headers)
    unknown = client.get("/api/v1/subscriptions?unit=NOPE", headers=headers)
    bad_action = client.post("/api/v1/subscriptions/999999/actions",
                             json={"action": "reduce", "reason": "x"}, headers=headers)

    assert (bad_tier.status_code, bad_tier.get_json()["field"]) == (422, "tier")
    assert not_json.status_code == 400 and unknown.status_code == 404
    assert bad_action.status_code == 404
    assert _db.session.execute(select(ProvisioningJob.id)).first() is None


def test_import_records_desired_state_without_pushing(db):
    decider = factories.make_user("operator")
    household = make_wired_household()
    data = (f"unit_code,tier,activated_on\n{household.unit.code},T1,2025-03-01\n").encode()

    result = run_import("subscriptions", data, actor=decider, decided_by=decider)

    assert result.rows == 1
    [subscription] = household.subscriptions
    assert (subscription.status, subscription.tier) == ("active", "T1")
    desired = _db.session.execute(select(PortDesiredState)).scalar_one()
    assert desired.source == "import" and desired.verified_at is None
    assert desired.desired["policy_out"] == "PM-1G"
    assert _db.session.execute(select(ProvisioningJob.id)).first() is None  # nothing pushed


def test_import_rejects_unwired_flat_and_missing_decider(db):
    decider = factories.make_user("operator")
    unwired = factories.make_household()
    data = f"unit_code,tier,activated_on\n{unwired.unit.code},T1,2025-03-01\n".encode()

    with pytest.raises(ImportRejected) as unwired_error:
        run_import("subscriptions", data, actor=decider, decided_by=decider)
    wired = make_wired_household()
    data = f"unit_code,tier,activated_on\n{wired.unit.code},T1,2025-03-01\n".encode()
    with pytest.raises(ImportRejected) as nobody_error:
        run_import("subscriptions", data, actor=None, decided_by=None)

    assert "n'est raccordé à aucun port" in str(unwired_error.value.errors[0])
    assert "--decided-by" in str(nobody_error.value.errors[0])
    assert wired.subscriptions == [] and unwired.subscriptions == []


def test_provision_run_prints_each_outcome(db, runner):
    from subscribers.lifecycle import subscribe

    # a switch whose credentials cannot be decrypted fails before any connection
    household = make_wired_household()
    subscribe(household, tier="T3", actor=factories.make_user("operator"))
    device = _db.session.execute(select(ProvisioningJob)).scalar_one().port.device
    device.ssh_password_enc = None

    result = runner.invoke(args=["provision", "run"])

    assert result.exit_code == 0, result.output
    assert "activate" in result.output and ": failed" in result.output
    assert "aucun identifiant SSH" in result.output
    assert "1 job(s) run" in result.output
