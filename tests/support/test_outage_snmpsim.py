"""End to end: a simulated switch (snmpsim) stops answering, the poller opens one network
ticket; it answers again, the ticket is resolved with the outage duration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from lab.snmp_lab import (
    access_switch,
    free_udp_port,
    start_snmpsim,
    stop_snmpsim,
    write_lab_snmprec,
)
from network.credentials import encrypt_secret
from network.models import Device, Outage
from support.models import Ticket
from tests import factories

HOSTNAME = "sup-sw-1"


class Simulator:
    """One snmpsim process on a fixed port that can be stopped and started again."""

    def __init__(self, root, port: int):
        self.data = root / "data"
        self.data.mkdir()
        self.root, self.port, self.proc = root, port, None
        write_lab_snmprec(self.data, [access_switch(HOSTNAME, ports=6, flats=3, seed=7,
                                                    port=port)])

    def start(self) -> None:
        self.proc = start_snmpsim(self.data, self.port, cache_dir=self.root / "cache",
                                  log_file=self.root / "snmpsim.log", probe_community=HOSTNAME)

    def stop(self) -> None:
        if self.proc is not None:
            stop_snmpsim(self.proc)
            self.proc = None


@pytest.fixture
def simulator(tmp_path, app) -> Iterator[Simulator]:
    sim = Simulator(tmp_path, free_udp_port())
    sim.start()
    saved = {key: app.config.get(key) for key in ("SNMP_TIMEOUT_S", "SNMP_RETRIES")}
    app.config.update(SNMP_TIMEOUT_S=0.5, SNMP_RETRIES=0)  # a dead agent fails fast
    try:
        yield sim
    finally:
        sim.stop()
        app.config.update(saved)


def test_switch_down_for_two_polls_opens_one_ticket_and_back_resolves_it(db, simulator):
    from network.poller import run_poll_cycle

    building = factories.make_building()
    units = [factories.make_unit(f"{building.code}-A-00-{i}", building=building)
             for i in (1, 2, 3)]
    factories.make_subscription(household=factories.make_household(unit=units[0]))
    device = Device(building=building, hostname=HOSTNAME, mgmt_address="127.0.0.1",
                    snmp_port=simulator.port, snmp_version="2c",
                    snmp_community_enc=encrypt_secret(HOSTNAME))
    db.session.add(device)
    db.session.commit()

    def poll():
        run_poll_cycle(devices=[device])
        db.session.expire_all()

    poll()  # up: the ports are discovered; wire the flats to the first three
    ports = sorted(db.session.get(Device, device.id).ports, key=lambda p: p.if_index)
    for port, unit in zip(ports, units, strict=False):
        port.unit_id = unit.id
    db.session.commit()

    def tickets():
        return db.session.execute(select(Ticket).where(Ticket.device_id == device.id,
                                                       Ticket.source == "network")
                                  ).scalars().all()

    simulator.stop()
    poll()
    assert tickets() == []  # one unanswered poll is not an outage
    poll()
    [ticket] = tickets()
    assert ticket.status == "new"
    assert ticket.affected_unit_codes == sorted(u.code for u in units)
    poll()
    assert len(tickets()) == 1  # still down: still one ticket

    simulator.start()
    poll()
    [ticket] = tickets()
    [outage] = db.session.execute(select(Outage).where(Outage.device_id == device.id)
                                  ).scalars().all()
    assert outage.ended_at is not None
    assert [link.outage_id for link in ticket.outages] == [outage.id]
    assert ticket.status == "resolved"
    assert ticket.resolved_at == outage.ended_at
    assert ticket.outage_duration_s == outage.duration_s()
    assert ticket.outage_duration_s > 0
    assert [e.kind for e in ticket.events] == ["created", "outage_linked", "outage_ended",
                                               "status"]
