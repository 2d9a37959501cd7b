"""The lab as a declared tool: `isp run` and the demo find it through its declaration
(isp.registry.TOOLS), and do without it when it is not installed (docs/architecture.md §2)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from isp import registry


@pytest.fixture
def without_tools(monkeypatch):
    """As in an installation without the lab: no tool, and no declaration read before."""
    registry.hooks.cache_clear()
    monkeypatch.setattr(registry, "TOOLS", ())
    yield
    registry.hooks.cache_clear()


def test_the_lab_is_read_after_the_domains():
    assert registry.packages() == (*registry.DOMAINS, "lab")
    assert [module.__name__ for module in registry.all_modules("run")] == ["lab.runner"]
    assert [hook.__name__ for hook in registry.hooks("demo_devices")] == [
        "record_demo_switches"]


def test_isp_run_checks_the_ports_the_lab_declares(app):
    from lab.runner import LAB_SWITCHES, ports

    snmp, ssh = int(app.config["LAB_SNMP_PORT"]), int(app.config["LAB_SSH_PORT_BASE"])
    assert ports(app) == [("udp", snmp, "lab SNMP"),
                          *(("tcp", ssh + index, "lab SSH")
                            for index in range(len(LAB_SWITCHES)))]


def test_without_the_lab_isp_run_starts_nothing_more(app, without_tools):
    from isp.cli import busy_port, start_lab

    assert list(registry.all_modules("run")) == []
    with app.app_context():
        assert start_lab() is None
    assert busy_port(app, web=None, lab=True) is None


def test_the_demo_network_records_the_lab_switches(db):
    from lab.runner import ACCESS_SWITCHES, AGGREGATION_SWITCH
    from network import demo as network_demo
    from network.models import Device, Port
    from subscribers import demo as subscribers_demo

    subscribers_demo.seed_demo()
    note = network_demo.seed_demo()
    assert note.startswith(f"devices +{len(ACCESS_SWITCHES) + 1}, wired ports +")
    devices = {d.hostname: d for d in db.session.execute(select(Device)).scalars()}
    assert set(devices) == {*ACCESS_SWITCHES, AGGREGATION_SWITCH}
    assert {devices[name].parent.hostname for name in ACCESS_SWITCHES} == {AGGREGATION_SWITCH}
    assert devices[AGGREGATION_SWITCH].snmp_version == "3"
    assert db.session.execute(select(Port).where(Port.unit_id.is_not(None))).first()
    assert network_demo.seed_demo().startswith("devices +0, wired ports +0")  # idempotent


def test_without_the_lab_the_demo_network_has_no_switches(db, without_tools):
    from network import demo as network_demo
    from network.models import Device
    from subscribers import demo as subscribers_demo

    subscribers_demo.seed_demo()
    assert network_demo.seed_demo().startswith("devices +0, wired ports +0")
    assert db.session.execute(select(Device)).first() is None
