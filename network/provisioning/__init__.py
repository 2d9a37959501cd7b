"""Provisioning: switch ports brought to the state their flat's subscription calls for, over SSH.

A sub-domain of the network (issue 17.4), in layers from the switch up:

* ``vendors``: each switch family's commands, parsers and error patterns (pure, no I/O);
* ``ssh``: the SSH adapter (netmiko): read, diff, apply, verify, roll back, save; no database;
* ``models``: jobs, batches, each managed port's desired state, config backups, drift;
* ``queue``: the job layer: desired states from subscriptions, the queue run on a bounded pool
  (one SSH session per switch at a time), the nightly reconciliation;
* ``wakeup``: a queued job runs at once (this process's runner, PostgreSQL NOTIFY);
* ``handlers``: what the other domains' signals change on the ports (isp/signals.py);
* ``views``, ``api``, ``cli``, ``jobs``, ``demo``: the pages, the API, ``isp provision``, the
  scheduled jobs and the demo records.

Registered as its own entry of ``isp.registry.DOMAINS`` (``network.provisioning``), with its own
declaration below (docs/architecture.md §2). Templates stay in
``network/templates/network/provisioning_*.html``. Facts and measurements:
docs/provisioning.md.
"""

from isp.registry import Contributions

#: What this sub-domain adds to the application (docs/architecture.md §2).
CONTRIBUTES = Contributions(
    models=('models',),
    pages=('views',),
    api=('api',),
    handlers=('handlers',),
    commands=('cli',),
    jobs=('jobs',),
    demo_last=('demo',),
)
