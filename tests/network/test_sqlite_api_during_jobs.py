"""Issue 19 item 15: on SQLite, API requests made while a poll cycle and the evaluation
refresh write never fail with "database is locked" (no 500).

The test uses its own SQLite file (whatever TEST_DATABASE_URL says: the defect is SQLite's),
committed for real, and several threads: API clients, each request with a token not used in
the last minute (so each stamps its last use: a read, then a write) or reading a household
(a read, then its audit entry), while another thread runs poll cycles over snmpsim in batches
of two devices (a commit every few milliseconds) and the evaluation refresh.
"""

from __future__ import annotations

import threading
from collections import Counter

from isp import create_app, load_all_models
from isp.extensions import db as _db
from isp.scheduler import in_app_context
from network.credentials import encrypt_secret
from tests import factories

N_DEVICES = 12
N_CLIENTS = 3
REQUESTS_PER_CLIENT = 40


def _seed(agent) -> tuple[list[str], list[int]]:
    from isp.services import create_token
    from network.models import Device

    user = factories.make_user("operator")
    tokens = [create_token(user) for _ in range(N_CLIENTS * REQUESTS_PER_CLIENT)]
    building = factories.make_building()
    households = []
    for _ in range(10):
        household = factories.make_household(unit=factories.make_unit(building=building))
        factories.make_subscription(household=household)
        households.append(household.id)
    communities = ["pb-sw-a", "pb-sw-b", "pb-sw-c", "pb-sw-d"]
    _db.session.add_all([Device(building_id=building.id, hostname=f"locked-{i:02d}",
                                mgmt_address=agent.host, snmp_port=agent.port,
                                snmp_community_enc=encrypt_secret(communities[i % 4]))
                         for i in range(N_DEVICES)])
    _db.session.commit()
    return tokens, households


def test_api_answers_while_a_poll_cycle_and_the_evaluation_refresh_write(snmpsim_agent,
                                                                         tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'isp.sqlite'}")
    with app.app_context():
        load_all_models()
        _db.create_all()
        tokens, households = _seed(snmpsim_agent)

    def poll_and_refresh() -> None:
        from evaluation.jobs import refresh_aggregates
        from network.poller import run_poll_cycle

        def cycles() -> None:
            for _ in range(3):
                run_poll_cycle(batch=2, concurrency=2, respect_due=False)

        for _ in range(2):
            in_app_context(app, cycles)()
            in_app_context(app, refresh_aggregates)()

    statuses: Counter[int] = Counter()
    errors: list[str] = []

    def client_loop(index: int) -> None:
        client = app.test_client()
        mine = tokens[index::N_CLIENTS]
        for number, token in enumerate(mine):
            headers = {"Authorization": f"Bearer {token}"}
            url = ("/api/v1/households" if number % 2 == 0
                   else f"/api/v1/households/{households[number % len(households)]}")
            response = client.get(url, headers=headers)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                errors.append(f"{url}: {response.get_data(as_text=True)[:200]}")

    jobs = threading.Thread(target=poll_and_refresh)
    clients = [threading.Thread(target=client_loop, args=(i,)) for i in range(N_CLIENTS)]
    jobs.start()
    for thread in clients:
        thread.start()
    for thread in [jobs, *clients]:
        thread.join(timeout=300)
    with app.app_context():
        from network.models import PollResult

        polls = _db.session.execute(_db.select(_db.func.count(PollResult.id))).scalar_one()
        _db.engine.dispose()

    assert errors == []
    assert statuses == {200: N_CLIENTS * REQUESTS_PER_CLIENT}
    # the jobs really wrote meanwhile: 2 × 3 cycles over every device
    assert polls == 2 * 3 * N_DEVICES
