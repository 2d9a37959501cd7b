"""Vocabulary of the network domain."""

from enum import StrEnum


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
