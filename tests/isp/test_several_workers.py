"""Issue 19 item 16: several workers run each scheduled job once per schedule, each
provisioning job once, each e-mail once.

Three real processes share one database (PostgreSQL with TEST_DATABASE_URL — the case the
issue names —, else a SQLite file): each builds the scheduler's jobs exactly as ``isp worker``
does (``register_jobs``) and runs them. First all three race like three ``isp provision run``
and three web processes sending mail after a commit; then, for three schedules, each process
fires every job of the schedule at once, as three APScheduler instances would. The switches
are the SSH lab simulator, the mail server is aiosmtpd; the database is created for the test
(the rows are committed for real) and dropped afterwards.
"""

from __future__ import annotations

import email
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from isp import create_app, load_all_models
from isp.extensions import db as _db
from lab.ssh_switch import start_ssh_lab
from tests import factories
from tests.network.factories_provisioning import make_switch, wire

ROOT = Path(__file__).resolve().parents[2]
SWITCHES = ("sw-w1", "sw-w2", "sw-w3")
PORTS_PER_SWITCH = 2
N_EMAILS = 30
SCHEDULES = ("2026-12-04T02:30:00+00:00", "2026-12-04T02:31:00+00:00",
             "2026-12-04T02:32:00+00:00")
PASSWORD, SECRET = "lab-Pa55word-9913", "en-S3cret-8821"

WORKER = textwrap.dedent("""
    import sys, time
    from datetime import datetime
    from pathlib import Path
    from apscheduler.schedulers.background import BackgroundScheduler
    from isp import create_app
    from isp.scheduler import RUN_ON_EVERY_WORKER, register_jobs

    name, sync, schedules = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
    app = create_app("testing", PROVISIONING_CONN_TIMEOUT=5, PROVISIONING_READ_TIMEOUT=5)
    scheduler = BackgroundScheduler(timezone="UTC")  # never started: its jobs are run below
    register_jobs(scheduler, app)
    jobs = [job for job in scheduler.get_jobs() if job.id not in RUN_ON_EVERY_WORKER]

    def barrier(step):
        (sync / f"{step}-{name}").touch()
        while len(list(sync.glob(f"{step}-*"))) < 3:
            time.sleep(0.01)

    barrier("start")
    with app.app_context():
        from isp.extensions import db
        from network.provisioning.queue import run_queue
        from support.notifications import send_pending_emails

        for outcome in run_queue():
            print("provisioned", outcome.job_id, flush=True)
        send_pending_emails(limit=7)
        db.session.commit()
    for step, schedule in enumerate(schedules):
        barrier(f"schedule{step}")
        slot = datetime.fromisoformat(schedule)
        for job in jobs:
            if job.func(slot_at=slot):
                print("ran", job.id, schedule, flush=True)
""")


class _Inbox:
    def __init__(self):
        self.recipients: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.recipients.append(email.message_from_bytes(envelope.content)["To"])
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]




@pytest.fixture
def mail_server():
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


def _seed(lab) -> None:
    from subscribers import lifecycle
    from support.models import Notification
    from tests.support.factories import make_ticket

    operator = factories.make_user("operator")
    for hostname in SWITCHES:
        device = make_switch(hostname, ssh_port=lab.port(hostname), password=PASSWORD,
                             secret=SECRET)
        for number in range(1, PORTS_PER_SWITCH + 1):
            unit = factories.make_unit(f"{hostname}-{number}", building=device.building)
            wire(unit, device, f"Gi1/0/{number}")
            lifecycle.subscribe(factories.make_household(unit=unit), tier="T1", actor=operator)
    ticket = make_ticket(actor=operator)
    _db.session.add_all([Notification(user_id=operator.id, ticket_id=ticket.id,
                                      subject=f"n{i}", body="x", email_to=f"n{i}@test.example")
                         for i in range(N_EMAILS)])
    _db.session.commit()


def test_three_workers_run_each_job_once(empty_database_url, mail_server, tmp_path):
    from network.provisioning.models import ProvisioningJob
    from support.models import Notification

    inbox, smtp_url = mail_server
    lab = start_ssh_lab(list(SWITCHES), tmp_path / "lab", password=PASSWORD, secret=SECRET,
                        port_count=8)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    try:
        with app.app_context():
            load_all_models()
            _db.create_all()
            _seed(lab)
        script = tmp_path / "worker.py"
        script.write_text(WORKER)
        sync = tmp_path / "sync"
        sync.mkdir()
        env = {**os.environ, "TEST_DATABASE_URL": empty_database_url, "ISP_SMTP_URL": smtp_url,
               "PYTHONPATH": str(ROOT)}
        procs = [subprocess.Popen([sys.executable, str(script), name, str(sync), *SCHEDULES],
                                  cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
                 for name in ("worker-1", "worker-2", "worker-3")]
        outputs = [p.communicate(timeout=300) for p in procs]
        for proc, (_out, err) in zip(procs, outputs, strict=True):
            assert proc.returncode == 0, err[-3000:]
        lines = [line.split() for out, _ in outputs for line in out.splitlines()]
        runs = Counter((words[1], words[2]) for words in lines if words[0] == "ran")
        provisioned = Counter(words[1] for words in lines if words[0] == "provisioned")
        time.sleep(0.2)  # the last message reaches the inbox's thread (not an assertion)
        with app.app_context():
            job_ids = sorted(_db.session.execute(select(ProvisioningJob.id)).scalars())
            jobs = _db.session.execute(select(ProvisioningJob.state, ProvisioningJob.attempts)
                                       ).all()
            unsent = _db.session.execute(select(Notification.id).where(
                Notification.emailed_at.is_(None))).scalars().all()
            scheduler_jobs = _registered_job_ids(app)
            _db.session.remove()
            _db.engine.dispose()
        state = lab.state()
    finally:
        lab.stop()

    # every scheduled job ran once per schedule, whichever worker took it
    assert runs == {(job_id, schedule): 1 for job_id in scheduler_jobs
                    for schedule in SCHEDULES}
    # each provisioning job was claimed by one worker and applied once; one save per switch
    assert sorted(int(i) for i in provisioned) == job_ids
    assert len(job_ids) == len(SWITCHES) * PORTS_PER_SWITCH
    assert set(provisioned.values()) == {1}
    assert set(jobs) == {("succeeded", 1)}
    assert [state[hostname]["saves"] for hostname in SWITCHES] == [1, 1, 1]
    # each e-mail sent once
    assert unsent == []
    assert sorted(inbox.recipients) == sorted(f"n{i}@test.example" for i in range(N_EMAILS))


def _registered_job_ids(app) -> list[str]:
    from apscheduler.schedulers.background import BackgroundScheduler

    from isp.scheduler import RUN_ON_EVERY_WORKER, register_jobs

    scheduler = BackgroundScheduler(timezone="UTC")
    register_jobs(scheduler, app)
    return [job.id for job in scheduler.get_jobs() if job.id not in RUN_ON_EVERY_WORKER]
