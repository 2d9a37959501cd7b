"""Network flows done as an operator does them (issue 18): add a device and edit it without
retyping its password; subscribe a household and watch its provisioning job to its end on a
page that follows it by itself, in Paris time, with the way back to the household."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

pytestmark = pytest.mark.ui

SSH_PASSWORD = "Ui-ssh-Pa55-5520"


@pytest.fixture
def operator_page(role_context):
    page = role_context("operator").new_page()
    yield page
    page.close()


def test_an_operator_adds_a_device_then_edits_it_keeping_its_password(operator_page,
                                                                     live_server, ui_app):
    from isp.extensions import db
    from network.credentials import decrypt_secret
    from network.models import Device

    page = operator_page
    page.goto(live_server + "/network/devices")
    page.click("#device-new")
    page.fill("main #hostname", "pb-sw-ui-1")
    page.fill("main #mgmt_address", "not an address!")
    page.fill("main #snmp_community", "ui-community-77")
    page.fill("main #ssh_username", "admin")
    page.fill("main #ssh_password", SSH_PASSWORD)
    page.get_by_role("button", name="Enregistrer").click()
    error = page.locator("main #mgmt_address-error")
    expect(error).to_contain_text("ni une adresse IP")
    expect(error).to_be_visible()
    assert page.locator("main #mgmt_address").get_attribute("aria-invalid") == "true"
    assert SSH_PASSWORD not in page.content()  # a refused form never echoes a secret
    page.fill("main #mgmt_address", "10.44.0.9")
    page.fill("main #snmp_community", "ui-community-77")
    page.fill("main #ssh_password", SSH_PASSWORD)
    page.get_by_role("button", name="Enregistrer").click()

    assert page.url.endswith("/network/devices/pb-sw-ui-1")
    page.click("#device-edit")
    assert page.locator("main #ssh_password").input_value() == ""
    assert "enregistré" in page.locator("main #ssh_password-state").inner_text()
    assert SSH_PASSWORD not in page.content()
    page.fill("main #model", "C9200-48P")
    page.get_by_role("button", name="Enregistrer").click()
    assert page.url.endswith("/network/devices/pb-sw-ui-1")

    with ui_app.app_context():
        device = db.session.execute(select(Device).where(Device.hostname == "pb-sw-ui-1")
                                    ).scalar_one()
        assert device.model == "C9200-48P" and device.mgmt_address == "10.44.0.9"
        assert decrypt_secret(device.ssh_password_enc) == SSH_PASSWORD
        db.session.remove()


def _wired_household_without_subscription(ui_app) -> int:
    from isp.extensions import db
    from network.models import Port
    from subscribers.models import Household, Subscription

    with ui_app.app_context():
        subscribed = select(Subscription.household_id)
        household_id = db.session.execute(
            select(Household.id).join(Port, Port.unit_id == Household.unit_id)
            .where(Household.moved_out_on.is_(None), Household.id.not_in(subscribed))
            .order_by(Household.id).limit(1)).scalar_one_or_none()
        db.session.remove()
    if household_id is None:
        pytest.fail("the demo has no wired household without a subscription")
    return household_id


def test_subscribing_leads_to_a_job_page_that_follows_the_job(operator_page, live_server,
                                                              ui_app):
    from isp.extensions import db
    from network.provisioning import queue as prov
    from network.provisioning.models import ProvisioningJob

    household_id = _wired_household_without_subscription(ui_app)
    page = operator_page
    page.goto(f"{live_server}/households/{household_id}/subscribe")
    page.get_by_role("button", name=re.compile("Abonner|Enregistrer|Valider")).click()

    assert re.search(r"/provisioning/jobs/\d+$", page.url), page.url
    job_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("#job-follow")).to_be_visible()
    history = page.locator("#job-history").inner_text()
    assert "+00:00" not in history and not re.search(r"\dT\d", history)  # Paris time
    # The web server of this suite runs no scheduler: the test runs the queue as the runner
    # would (the demo's switches are not served here, so the job ends without succeeding).
    with ui_app.app_context():
        prov.run_queue(job_ids=[job_id])
        state = db.session.get(ProvisioningJob, job_id).state
        db.session.remove()
    # no reload by the test: the page refreshes itself until the job is over
    from network.choices import JOB_STATE_LABELS

    with ui_app.test_request_context():  # the page speaks French: the state's French label
        label = str(JOB_STATE_LABELS[state])
    page.locator("main h1").filter(has_text=label).wait_for(timeout=20_000)
    if state in prov.DONE_STATES:
        assert page.locator("#job-follow").count() == 0
    page.click("#back-to-household")
    assert page.url.endswith(f"/households/{household_id}")
