"""Vocabulary of lent equipment: kinds, origins, states and the moves allowed between them."""

from enum import StrEnum

from isp.i18n import lazy_gettext as _l


class Kind(StrEnum):
    BOX = "box"
    COMPUTER = "computer"
    TABLET = "tablet"
    PHONE = "phone"


KIND_LABELS = {Kind.BOX: _l("box"), Kind.COMPUTER: _l("ordinateur"),
               Kind.TABLET: _l("tablette"), Kind.PHONE: _l("téléphone")}


class Origin(StrEnum):
    NEW = "new"
    REFURBISHED = "refurbished"


ORIGIN_LABELS = {Origin.NEW: _l("neuf"),
                 Origin.REFURBISHED: _l("reconditionné par un partenaire local")}


class State(StrEnum):
    IN_STOCK = "in_stock"
    LENT = "lent"
    #: The loan ended at the household's move-out: an operator must collect the equipment.
    TO_COLLECT = "to_collect"
    RETURNED = "returned"
    IN_REPAIR = "in_repair"
    REFURBISHED = "refurbished"
    RECYCLED = "recycled"


STATE_LABELS = {
    State.IN_STOCK: _l("en stock"), State.LENT: _l("prêté"),
    State.TO_COLLECT: _l("à récupérer"), State.RETURNED: _l("rendu"),
    State.IN_REPAIR: _l("en réparation"), State.REFURBISHED: _l("reconditionné"),
    State.RECYCLED: _l("recyclé"),
}

#: The 4R life: which state may follow which. Recycled is terminal. A loan starts only from
#: stock, a return or a refurbishment; it ends by a return (or a collection after move-out).
TRANSITIONS: dict[State, tuple[State, ...]] = {
    State.IN_STOCK: (State.LENT, State.IN_REPAIR, State.RECYCLED),
    State.LENT: (State.RETURNED, State.TO_COLLECT),
    State.TO_COLLECT: (State.RETURNED,),
    State.RETURNED: (State.IN_STOCK, State.LENT, State.IN_REPAIR, State.RECYCLED),
    State.IN_REPAIR: (State.REFURBISHED, State.RECYCLED),
    State.REFURBISHED: (State.LENT, State.IN_STOCK, State.RECYCLED),
    State.RECYCLED: (),
}

#: States in which a household holds the equipment.
HELD_STATES = (State.LENT, State.TO_COLLECT)
