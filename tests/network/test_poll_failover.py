"""A poll worker killed mid-cycle (issue 23.6): its leases expire, another worker takes them over.

Real processes on the tests' database (PostgreSQL with TEST_DATABASE_URL — leases claimed with
``FOR UPDATE SKIP LOCKED`` — else the session's SQLite file) polling Debian's snmpd. The victim
claims a batch and is held while polling it (a hook around ``poll_many`` stands for a slow
network, so that the kill surely lands between the claim and the storage); it is killed with
SIGKILL. A survivor ticks like the scheduler: every device is polled exactly once, the dead
worker's devices by the survivor, no lease is left and the dead worker stored nothing. The
rows are committed for real, so this test does not use the rolled-back ``db`` fixture and
deletes what it created. ``benchmarks/poll_failover.py`` shows the same at scale with workers
in separate network namespaces.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from isp.extensions import db as _db
from isp.timeutil import utcnow
from network.credentials import encrypt_secret
from network.models import Device, PollResult
from tests.network.test_poll_scaleout import _cleanup

ROOT = Path(__file__).resolve().parents[2]
LEASE_S = 3
N_DEVICES = 8
WORKER = textwrap.dedent("""
    import asyncio, os, sys, time
    from pathlib import Path
    from isp import create_app
    name, mode, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    app = create_app("testing")
    app.config["POLL_LEASE_SECONDS"] = int(sys.argv[4])
    with app.app_context():
        import network.poller as poller
        from isp.extensions import db
        from network.models import Device
        from sqlalchemy import func, or_, select
        if mode == "victim":
            real = poller.poll_many

            async def held(client, targets, concurrency=32):
                marker.write_text(str(len(targets)))  # claimed a batch, now "polling" it
                await asyncio.sleep(3600)  # the test kills this process here
                return await real(client, targets, concurrency)

            poller.poll_many = held
            poller.run_poll_cycle(worker=name, batch=4, concurrency=2)
        else:  # the scheduler's ticks, one a second, until nothing is due or leased
            total = 0
            for _tick in range(60):
                total += poller.run_poll_cycle(worker=name, batch=2, concurrency=2).devices
                waiting = db.session.scalar(select(func.count()).select_from(Device).where(
                    Device.hostname.like("failover-%"),
                    or_(Device.next_poll_at.is_(None), Device.poll_lease_owner.is_not(None))))
                db.session.commit()
                if not waiting:
                    break
                time.sleep(1)
            print(total)
""")


def test_a_killed_worker_s_devices_are_taken_over_and_polled_once(app, snmpd_agent, tmp_path):
    from subscribers.models import Building, District

    with app.app_context():
        district = District(code="FAIL-D", name="Failover", commune="Nantes")
        building = Building(code="FAIL-B", name="Failover", address="x", postcode="44000",
                            commune="Nantes", district=district)
        _db.session.add_all([district, building])
        _db.session.flush()
        secret = encrypt_secret(snmpd_agent.community)
        devices = [Device(building_id=building.id, hostname=f"failover-{i:02d}",
                          mgmt_address=snmpd_agent.host, snmp_port=snmpd_agent.port,
                          snmp_community_enc=secret) for i in range(N_DEVICES)]
        _db.session.add_all(devices)
        _db.session.commit()
        ids = [d.id for d in devices]
        ids_ctx = (ids, building.id, district.id)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {**os.environ, "TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "PYTHONPATH": str(ROOT)}

    def start(name: str, mode: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, str(script), name, mode,
                                 str(tmp_path / f"{name}.claimed"), str(LEASE_S)],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    victim = start("victim", "victim")
    try:
        marker = tmp_path / "victim.claimed"
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert victim.poll() is None, victim.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "the victim never claimed a batch"
            time.sleep(0.05)
        with app.app_context():
            held = _db.session.execute(select(Device.id).where(
                Device.id.in_(ids), Device.poll_lease_owner == "victim")).scalars().all()
            _db.session.commit()
        assert len(held) == int(marker.read_text()) == 4
        victim.send_signal(signal.SIGKILL)  # mid-cycle: its batch is claimed, not stored
        victim.communicate(timeout=30)
        assert victim.returncode == -signal.SIGKILL

        survivor = start("survivor", "survivor")
        out, err = survivor.communicate(timeout=180)
        assert survivor.returncode == 0, err[-2000:]
        with app.app_context():
            per_device = dict(_db.session.execute(
                select(PollResult.device_id, func.count()).where(PollResult.device_id.in_(ids))
                .group_by(PollResult.device_id)).all())
            workers = set(_db.session.execute(select(PollResult.worker).where(
                PollResult.device_id.in_(ids))).scalars())
            left = _db.session.execute(select(Device.id).where(
                Device.id.in_(ids), Device.poll_lease_owner.is_not(None))).scalars().all()
            due = _db.session.execute(select(Device.next_poll_at).where(
                Device.id.in_(ids))).scalars().all()
            reachable = _db.session.scalar(select(func.count()).select_from(PollResult).where(
                PollResult.device_id.in_(ids), PollResult.reachable.is_(True)))
            _db.session.commit()
        # every device polled exactly once, the dead worker's too; nothing stored by it
        assert per_device == {device_id: 1 for device_id in ids}
        assert workers == {"survivor"}
        assert int(out.strip().splitlines()[-1]) == N_DEVICES
        assert reachable == N_DEVICES
        assert left == []
        now = utcnow()
        assert all(at is not None and at > now + timedelta(minutes=1) for at in due)
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait()
        with app.app_context():
            _cleanup(*ids_ctx)


def test_a_late_worker_does_not_store_devices_taken_over(app, db):
    """The renewal before storing returns only the devices this worker still holds."""
    from network.leases import claim_devices, renew_lease
    from tests import factories

    building = factories.make_building()
    first, second = (Device(building=building, hostname=f"late-{factories.n()}",
                            mgmt_address="192.0.2.1", snmp_community_enc=encrypt_secret("x"))
                     for _ in range(2))
    db.session.add_all([first, second])
    db.session.flush()
    ids = [first.id, second.id]
    start = utcnow()
    assert claim_devices("slow", start, device_ids=ids, lease_s=60) == sorted(ids)
    # the slow worker's lease expired: another takes one device over, the other stays free
    later = start + timedelta(seconds=61)
    assert claim_devices("quick", later, device_ids=[second.id], lease_s=60) == [second.id]
    assert renew_lease(ids, "slow", later, 60) == [first.id]
    assert renew_lease(ids, "quick", later, 60) == [second.id]
