"""The network's lists read a fixed number of statements whatever their rows (issue 23.3):
a device's building and a job's port, flat and switch are joined into the page's query."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from isp.extensions import db
from network.provisioning.models import ProvisioningJob
from subscribers import lifecycle
from tests import factories
from tests.network.factories_provisioning import make_switch, make_wired_household
from tests.statements import page_selects
from tests.support.factories import make_outage


@pytest.fixture
def two_buildings(db):
    """Three switches in two buildings, each with a subscribed flat (so a job each): their
    hostnames and building codes."""
    operator = factories.make_user("operator")
    first, second = factories.make_building(), factories.make_building()
    switches = [make_switch(building=first), make_switch(building=first),
                make_switch(building=second)]
    for switch in switches:
        household = make_wired_household(device=switch)
        lifecycle.subscribe(household, tier="T1", actor=operator)
    db.session.flush()
    return [(switch.hostname, switch.building.code) for switch in switches]


def test_the_devices_page_reads_count_and_rows_only(two_buildings, client, login_as):
    login_as("operator")
    with page_selects() as statements:
        html = client.get("/network/devices").get_data(as_text=True)
    for hostname, building_code in two_buildings:
        assert hostname in html and building_code in html
    assert len(statements) == 2, statements  # the count, the devices with their buildings


def test_the_jobs_api_reads_count_and_rows_only(two_buildings, client, api_as):
    _, headers = api_as("operator")
    with page_selects() as statements:
        body = client.get("/api/v1/provisioning-jobs", headers=headers).get_json()
    assert {job["device"] for job in body["items"]} == {hostname for hostname, _ in two_buildings}
    assert all(job["unit_code"] for job in body["items"])
    assert len(statements) == 2, statements  # the count, the jobs with port, flat and switch


def test_the_devices_api_reads_count_and_rows_only(two_buildings, client, api_as):
    _, headers = api_as("operator")
    with page_selects() as statements:
        body = client.get("/api/v1/devices", headers=headers).get_json()
    assert {(item["hostname"], item["building"]) for item in body["items"]} == set(two_buildings)
    assert len(statements) == 2, statements  # the count, the devices with their buildings


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_the_availability_api_reads_each_device_once(db, client, api_as):
    building = factories.make_building()
    switches = [make_switch(building=building), make_switch(building=building)]
    switches[0].role = "aggregation"
    for switch in switches:  # an outage each, on the 2nd of December
        make_outage(device_id=switch.id, started_at=datetime(2026, 12, 2, 8, 0, tzinfo=UTC),
                    ended_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    code, hostnames = building.code, {switch.hostname for switch in switches}
    _, headers = api_as("operator")
    with page_selects() as statements:
        body = client.get(f"/api/v1/availability?building={code}", headers=headers).get_json()
    assert {outage["device"] for outage in body["outages"]} == hostnames
    assert len(statements) == 3, statements  # the building, its devices, their outages


def _set_states(states: list[str]) -> None:
    jobs = db.session.execute(select(ProvisioningJob).order_by(ProvisioningJob.id)).scalars()
    for job, state in zip(jobs, states, strict=False):
        job.state = state
    db.session.flush()


def test_the_provisioning_dashboard_reads_only_the_tables_it_has_rows_for(
        two_buildings, client, login_as):
    login_as("operator")
    with page_selects() as statements:
        client.get("/provisioning")
    assert len(statements) == 2, statements  # jobs by state, the open drift: no job to list


def test_the_provisioning_dashboard_lists_jobs_with_their_ports_in_one_query(
        two_buildings, client, login_as):
    _set_states(["needs_attention", "failed", "unreachable"])
    login_as("operator")
    with page_selects() as statements:
        html = client.get("/provisioning").get_data(as_text=True)
    assert all(hostname in html for hostname, _ in two_buildings)
    # jobs by state, those to examine, the recent failures (each with port, flat and switch),
    # the open drift
    assert len(statements) == 4, statements


def test_the_jobs_page_reads_count_and_rows_only(two_buildings, client, login_as):
    login_as("operator")
    with page_selects() as statements:
        html = client.get("/provisioning/jobs").get_data(as_text=True)
    assert all(hostname in html for hostname, _ in two_buildings)
    assert len(statements) == 2, statements
