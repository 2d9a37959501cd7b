"""A queued provisioning job starts at once, not at the scheduler's next minute (issue 18.4).

``queue_job`` marks its session; when that session commits, the queue runner of this process
is woken and runs the queue in its own thread and app context. The runner exists in the
processes that run the scheduler (``isp run``, ``isp worker``):
``network.provisioning.jobs.register`` starts it. On PostgreSQL ``queue_job`` also sends
``NOTIFY isp_provisioning_queue`` in the job's transaction (PostgreSQL delivers it on commit
only, never for a rolled-back job) and the runner LISTENs to it, so a web process without a
scheduler (gunicorn workers) wakes the ``isp worker`` process too. The minute tick stays as
the safety net (a missed wake-up, SQLite with a separate worker). Running the queue twice at
once is safe: ``run_queue`` claims each job for one runner (``FOR UPDATE SKIP LOCKED``, and a
conditional UPDATE).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from isp.scheduler import in_app_context

log = logging.getLogger(__name__)

#: session.info key set by queue_job until the session commits or rolls back
QUEUED_KEY = "network.provisioning_queued"
NOTIFY_CHANNEL = "isp_provisioning_queue"


class QueueRunner:
    """One thread that runs the provisioning queue each time it is woken (wake-ups that arrive
    during a run are coalesced into one more run)."""

    def __init__(self, app: Flask, run_queue: Callable[[], None]) -> None:
        self.app = app
        #: the queue's run, given by ``network.provisioning.jobs`` (which imports this module)
        self.run_queue = run_queue
        self._wanted = threading.Event()
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        #: completed runs (tests and logs)
        self.runs = 0

    def start(self) -> QueueRunner:
        runner = threading.Thread(target=self._loop, name="provisioning-runner", daemon=True)
        self._threads.append(runner)
        runner.start()
        if self.app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgres"):
            listener = threading.Thread(target=self._listen, name="provisioning-listener",
                                        daemon=True)
            self._threads.append(listener)
            listener.start()
        return self

    def wake(self) -> None:
        self._wanted.set()

    def stop(self) -> None:
        self._stopped.set()
        self._wanted.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _loop(self) -> None:
        run = in_app_context(self.app, self.run_queue)
        while True:
            self._wanted.wait()
            if self._stopped.is_set():
                return
            self._wanted.clear()
            run()  # logs and rolls back on error; the minute tick retries
            self.runs += 1

    def _listen(self) -> None:
        """Wake the runner on each NOTIFY from another process (reconnects after errors)."""
        url = make_url(self.app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        while not self._stopped.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    while not self._stopped.is_set():
                        for _notice in connection.notifies(timeout=1.0):
                            self.wake()
            except psycopg.Error:
                log.exception("Provisioning wake-ups: listener lost, reconnecting")
                self._stopped.wait(5)


_runner: QueueRunner | None = None
_runner_lock = threading.Lock()


def start_runner(app: Flask, run_queue: Callable[[], None]) -> QueueRunner:
    """Start this process's runner (once) running ``run_queue`` at each wake-up; called where
    the scheduler starts."""
    global _runner
    with _runner_lock:
        if _runner is None:
            _runner = QueueRunner(app, run_queue).start()
        return _runner


def stop_runner() -> None:
    global _runner
    with _runner_lock:
        runner, _runner = _runner, None
    if runner is not None:
        runner.stop()


def note_queued(session: Session) -> None:
    """Called by ``queue_job``: wake the runners when this transaction commits."""
    session.info[QUEUED_KEY] = True
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        # transactional: delivered at commit, dropped on rollback; one per transaction
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop(QUEUED_KEY, False) and _runner is not None:
        _runner.wake()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(QUEUED_KEY, None)

