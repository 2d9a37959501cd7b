"""Scale-out (issue 3 §9): two worker processes sharing the database split the devices.

Each process runs ``run_poll_cycle`` (small batches, real snmpsim over UDP) on the same
database as the tests — PostgreSQL with TEST_DATABASE_URL (leases claimed with
``FOR UPDATE SKIP LOCKED``), else the session's SQLite file (one writer at a time makes the
same conditional UPDATE atomic). The rows are committed for real, so this test does not use
the rolled-back ``db`` fixture and deletes what it created.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import delete, func, select

from isp.extensions import db as _db
from network.credentials import encrypt_secret
from network.models import (
    BuildingUsageDay,
    Device,
    DiscardedInterval,
    Outage,
    PollResult,
    Port,
    PortCounter,
    UsageHour,
)

ROOT = Path(__file__).resolve().parents[2]
WORKER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from isp import create_app
    app = create_app("testing")
    go = Path(sys.argv[2])
    while not go.exists():
        time.sleep(0.01)
    with app.app_context():
        from network.poller import run_poll_cycle
        summary = run_poll_cycle(worker=sys.argv[1], batch=2, concurrency=2)
        print(summary.devices)
""")
N_DEVICES = 12


def _cleanup(device_ids, building_id, district_id):
    from subscribers.models import Building, District

    port_ids = select(Port.id).where(Port.device_id.in_(device_ids))
    for model, column in ((UsageHour, UsageHour.port_id), (PortCounter, PortCounter.port_id),
                          (DiscardedInterval, DiscardedInterval.port_id)):
        _db.session.execute(delete(model).where(column.in_(port_ids)))
    _db.session.execute(delete(Port).where(Port.device_id.in_(device_ids)))
    _db.session.execute(delete(PollResult).where(PollResult.device_id.in_(device_ids)))
    _db.session.execute(delete(Outage).where(Outage.device_id.in_(device_ids)))
    _db.session.execute(delete(Device).where(Device.id.in_(device_ids)))
    _db.session.execute(delete(BuildingUsageDay).where(
        BuildingUsageDay.building_id == building_id))
    _db.session.execute(delete(Building).where(Building.id == building_id))
    _db.session.execute(delete(District).where(District.id == district_id))
    _db.session.commit()


def test_two_worker_processes_poll_each_device_exactly_once(app, snmpsim_agent, tmp_path):
    from subscribers.models import Building, District

    with app.app_context():
        district = District(code="SCALE-D", name="Scale", commune="Nantes")
        building = Building(code="SCALE-B", name="Scale", address="x", postcode="44000",
                            commune="Nantes", district=district)
        _db.session.add_all([district, building])
        _db.session.flush()
        communities = ["pb-sw-a", "pb-sw-b", "pb-sw-c", "pb-sw-d"]
        devices = [Device(building_id=building.id, hostname=f"scale-{i:02d}",
                          mgmt_address=snmpsim_agent.host, snmp_port=snmpsim_agent.port,
                          snmp_community_enc=encrypt_secret(communities[i % 4]))
                   for i in range(N_DEVICES)]
        _db.session.add_all(devices)
        _db.session.commit()
        ids = [d.id for d in devices]
        ids_ctx = (ids, building.id, district.id)
        dialect = _db.engine.dialect.name
    try:
        script = tmp_path / "worker.py"
        script.write_text(WORKER)
        go = tmp_path / "go"
        env = {**os.environ, "TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
               "PYTHONPATH": str(ROOT)}
        procs = [subprocess.Popen([sys.executable, str(script), name, str(go)], cwd=ROOT,
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
                 for name in ("worker-1", "worker-2")]
        time.sleep(0.5)  # both interpreters up and waiting (not a timing assertion)
        go.touch()
        outputs = [p.communicate(timeout=120) for p in procs]
        for proc, (_out, err) in zip(procs, outputs, strict=True):
            assert proc.returncode == 0, err[-2000:]
        with app.app_context():
            rows = _db.session.execute(
                select(PollResult.device_id, PollResult.worker, PollResult.reachable)
                .where(PollResult.device_id.in_(ids))).all()
            per_device = _db.session.execute(
                select(PollResult.device_id, func.count()).where(PollResult.device_id.in_(ids))
                .group_by(PollResult.device_id)).all()
            leases = _db.session.execute(select(Device.poll_lease_owner).where(
                Device.id.in_(ids))).scalars().all()
        # every device polled, none twice, all answered; leases released
        assert sorted(d for d, _ in per_device) == sorted(ids)
        assert {n for _, n in per_device} == {1}
        assert all(r.reachable for r in rows)
        assert leases == [None] * N_DEVICES
        by_worker = {w: sum(1 for r in rows if r.worker == w) for w in ("worker-1", "worker-2")}
        assert sum(by_worker.values()) == N_DEVICES
        # what each process says it polled matches what it stored
        reported = [int(out.strip().splitlines()[-1]) for out, _ in outputs]
        assert sorted(reported) == sorted(by_worker.values()), (dialect, by_worker)
        print(f"{dialect}: split {by_worker}")
    finally:
        with app.app_context():
            _cleanup(*ids_ctx)
