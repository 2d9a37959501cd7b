"""Issue 18 item 4: a queued provisioning job starts at once (not at the scheduler's next
minute), and its page follows it to the end and links back to the household.

The first test uses its own database committed for real (the runner works in its own thread
and session, like in ``isp run``), the SSH simulator, and no scheduler at all: only the wake-up
after the subscription's commit can run the job.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from isp import create_app, load_all_models
from isp.extensions import db as _db
from isp.timeutil import utcnow
from network.provisioning import wakeup
from network.provisioning.jobs import run_provisioning_queue
from network.provisioning.models import ProvisioningJob
from network.provisioning.views import refresh_seconds
from subscribers import lifecycle
from tests import factories
from tests.network.conftest_ssh import LAB_PASSWORD, LAB_SECRET
from tests.network.factories_provisioning import make_switch, make_wired_household, wire

pytest_plugins = ["tests.network.conftest_ssh"]


def _wait_for(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _own_app(tmp_path, **settings):
    url = f"sqlite:///{tmp_path / 'isp.sqlite'}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, PROVISIONING_CONN_TIMEOUT=3,
                     PROVISIONING_BANNER_TIMEOUT=3, PROVISIONING_READ_TIMEOUT=3, **settings)
    with app.app_context():
        load_all_models()
        _db.create_all()
    return app


def test_subscribing_runs_the_job_without_waiting_for_the_scheduler(ssh_lab, tmp_path):
    from isp.services import create_token

    app = _own_app(tmp_path)
    with app.app_context():
        operator = factories.make_user("operator")
        token = create_token(operator)
        device = make_switch("sw-misc", ssh_port=ssh_lab.port("sw-misc"),
                             password=LAB_PASSWORD, secret=LAB_SECRET)
        unit = factories.make_unit("AT-ONCE-1", building=device.building)
        wire(unit, device, "Gi1/0/7")
        factories.make_household(unit=unit)
        _db.session.commit()
        _db.session.remove()
    # what the scheduler's start does; no tick here
    runner = wakeup.start_runner(app, run_provisioning_queue)
    try:
        response = app.test_client().post(
            "/api/v1/subscriptions", json={"unit_code": "AT-ONCE-1", "tier": "T1"},
            headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 201, response.get_json()
        subscription_id = response.get_json()["id"]

        def job_state() -> str | None:
            with app.app_context():
                try:
                    return _db.session.execute(select(ProvisioningJob.state).where(
                        ProvisioningJob.subscription_id == subscription_id)).scalar_one()
                finally:
                    _db.session.remove()

        # generous bound for a loaded machine; the scheduler would never run here at all
        assert _wait_for(lambda: job_state() == "succeeded", 60), job_state()
        assert runner.runs >= 1
        with app.app_context():
            from subscribers.models import Subscription

            assert _db.session.get(Subscription, subscription_id).status == "active"
            _db.session.remove()
    finally:
        wakeup.stop_runner()
        with app.app_context():
            _db.engine.dispose()


def test_a_rolled_back_queue_wakes_nobody(db):
    household = make_wired_household()
    lifecycle.subscribe(household, tier="T1", actor=factories.make_user("operator"))
    assert _db.session().info.get(wakeup.QUEUED_KEY) is True
    _db.session.rollback()
    assert wakeup.QUEUED_KEY not in _db.session().info


def _job_of(household) -> ProvisioningJob:
    from network.provisioning.queue import latest_job_for_subscription

    return latest_job_for_subscription(lifecycle.open_subscription(household).id)


@pytest.mark.clock("2026-12-06T08:53:58+01:00")
def test_the_job_page_follows_a_queued_job_and_links_back_to_the_household(client, login_as):
    login_as("operator")
    household = make_wired_household()
    lifecycle.subscribe(household, tier="T1", actor=factories.make_user("operator"))
    _db.session.commit()
    job = _job_of(household)

    page = client.get(f"/provisioning/jobs/{job.id}")

    assert page.status_code == 200
    assert page.headers["Refresh"] == "2"
    html = page.get_data(as_text=True)
    assert f'/households/{household.id}"' in html and 'id="back-to-household"' in html
    assert 'id="job-follow"' in html
    # item 8: the history shows Paris time, never the stored ISO/UTC text
    assert "08:53:5" in html
    assert "+00:00" not in html and "T07:53" not in html


def test_a_finished_job_page_does_not_refresh(client, login_as):
    login_as("operator")
    household = make_wired_household()
    lifecycle.subscribe(household, tier="T1", actor=factories.make_user("operator"))
    job = _job_of(household)
    job.state, job.finished_at = "succeeded", utcnow()
    _db.session.commit()

    page = client.get(f"/provisioning/jobs/{job.id}")

    assert page.status_code == 200
    assert "Refresh" not in page.headers
    assert 'id="job-follow"' not in page.get_data(as_text=True)


def test_refresh_rhythm_by_state(db):
    household = make_wired_household()
    lifecycle.subscribe(household, tier="T1", actor=factories.make_user("operator"))
    job = _job_of(household)
    now = utcnow()
    assert refresh_seconds(job, now) == 2
    job.next_attempt_at = now + timedelta(days=3)  # an activation planned for a later day
    assert refresh_seconds(job, now) is None
    job.state, job.next_attempt_at = "unreachable", now + timedelta(minutes=4)
    assert refresh_seconds(job, now) == 30
    job.state = "applying"
    assert refresh_seconds(job, now) == 2
    job.state, job.next_attempt_at = "failed", None
    assert refresh_seconds(job, now) is None
