"""Vocabulary of the network domain."""

from enum import StrEnum

from isp.i18n import lazy_gettext as _l


class DeviceRole(StrEnum):
    ACCESS = "access"
    AGGREGATION = "aggregation"


class LifecycleState(StrEnum):
    """The 4R chain of equipment: in service, spare, repair, refurbished, recycled."""

    IN_SERVICE = "in_service"
    SPARE = "spare"
    REPAIR = "repair"
    REFURBISHED = "refurbished"
    RECYCLED = "recycled"


class DeviceStatus(StrEnum):
    UP = "up"
    DOWN = "down"
    UNKNOWN = "unknown"


#: A provisioning job's states (network.provisioning.ssh.ProvisioningState and "superseded"), as
#: read on the job pages: the stored codes stay English, people read these.
JOB_STATE_LABELS = {
    "queued": _l("en attente"),
    "connecting": _l("connexion au commutateur"),
    "applying": _l("application"),
    "verifying": _l("vérification"),
    "saving": _l("enregistrement"),
    "succeeded": _l("réussie"),
    "unreachable": _l("injoignable"),
    "failed": _l("échouée"),
    "rolled_back": _l("annulée (retour arrière)"),
    "needs_attention": _l("à vérifier par une personne"),
    "superseded": _l("remplacée"),
}

#: What a provisioning job does to a port (network.provisioning.queue.JobAction).
JOB_ACTION_LABELS = {
    "activate": _l("activation"),
    "reduce": _l("réduction de débit"),
    "restore": _l("rétablissement"),
    "suspend": _l("suspension"),
    "terminate": _l("résiliation"),
    "push": _l("envoi de l'état voulu"),
}
