"""Run one action twice at once, on two real connections (threads meeting at a barrier)."""

from __future__ import annotations

import threading

from isp.extensions import db


def race(app, action) -> list:
    """Each thread's result, or the exception it raised (asserted on by the caller)."""
    barrier = threading.Barrier(2)
    outcomes: list = []

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                outcomes.append(action())
                db.session.commit()
            except Exception as error:  # recorded and asserted on below
                db.session.rollback()
                outcomes.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes
