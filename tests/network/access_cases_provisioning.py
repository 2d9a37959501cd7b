"""Access cases for the provisioning pages and API (operators only)."""

from isp.extensions import db
from network.provisioning.models import ConfigBackup
from tests import factories
from tests.access import Case
from tests.network.factories_provisioning import make_switch, make_wired_household

OP = ("operator",)


def _job(ctx):
    from subscribers.lifecycle import subscribe

    subscription = subscribe(make_wired_household(), tier="T3",
                             actor=factories.make_user("operator"))
    from network.provisioning.queue import latest_job_for_subscription

    job = latest_job_for_subscription(subscription.id)
    return {"job_id": job.id, "port_id": job.port_id}


def _backup(ctx):
    backup = ConfigBackup(device_id=make_switch().id, config="hostname x\n", sha256="0" * 64)
    db.session.add(backup)
    db.session.flush()
    return {"backup_id": backup.id}


CASES = [
    Case("GET", "/provisioning", OP),
    Case("GET", "/provisioning/jobs", OP),
    Case("GET", "/provisioning/jobs/<int:job_id>", OP, _job),
    Case("POST", "/provisioning/run", OP, ok=(302,)),
    Case("POST", "/provisioning/ports/<int:port_id>/push", OP, _job, ok=(302,)),
    Case("GET", "/provisioning/backups", OP),
    Case("GET", "/provisioning/backups/<int:backup_id>", OP, _backup),
    Case("GET", "/provisioning/drift", OP),
    Case("GET", "/api/v1/provisioning-jobs", OP),
]
