"""Mediation demo: places, assignments decided by the demo operator, slots this week and next,
bookings and a few session records. Fictitious; idempotent (nothing when places exist)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from isp.extensions import db
from isp.models import User
from isp.services import create_user, get_user_by_email
from isp.timeutil import today
from mediation.assignments import assign_household, suggestions_for, unassigned_households_query
from mediation.associations import save_place
from mediation.models import Association, Booking, CoachingSlot, Place
from mediation.sessions import record_session
from mediation.slots import LOCAL, book, bookable_households, publish_slot
from subscribers.models import Household

DETAILS = {
    "ASSO-PB": ("W442000001", "02 40 00 00 01", "Accompagnement au numérique pour les "
                "habitants de Port-Boyer : premiers pas, courriel, démarches en ligne (fictif)."),
    "ECRAN-LIBRE": ("W442000002", "02 40 00 00 02", "Ateliers sécurité en ligne, école "
                    "numérique et recherche d'emploi à Nantes Est (fictif)."),
}
PLACES = {
    "ASSO-PB": ("Salle du centre socioculturel (fictive)", "2 rue de la Démo (fictive)",
                "Mo-Fr 09:00-12:00,14:00-18:00", "Entrée de plain-pied, toilettes adaptées"),
    "ECRAN-LIBRE": ("Local Écran Libre (fictif)", "5 place de l'Exemple (fictive)",
                    "Tu,Th 14:00-18:00; Sa 10:00-12:00", "Rez-de-chaussée, boucle magnétique"),
}
#: (day offset from today, hour, topic, kind, capacity)
SLOTS = ((1, 10, "equipment_use", "individual", 1), (1, 14, "email", "collective", 6),
         (2, 10, "admin_caf", "individual", 1), (3, 14, "video_calls", "collective", 4),
         (7, 10, "smartphone", "individual", 1), (8, 14, "admin_tax", "individual", 1),
         (9, 14, "security", "collective", 8))


def _user(email: str) -> User | None:
    return db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()


#: The demo's associations (fictitious): code, name, languages, specialties.
DEMO_ASSOCIATIONS = (
    ("ASSO-PB", "Centre socioculturel Port-Boyer (fictif)", "fr;ar;en", "first_steps;email;"
     "online_admin;video_calls"),
    ("ECRAN-LIBRE", "Écran Libre Nantes Est (fictif)", "fr;es;pt;tr", "online_safety;"
     "parenting_school;job_search"),
)
DEMO_MEDIATOR = ("mediateur@demo.social-isp.fr", "ASSO-PB", "Malik Médiateur (fictif)")


def seed_demo() -> str | None:
    """Seed the associations and their mediator (each once), then the rest of the mediation
    demo once."""
    _seed_associations()
    if db.session.execute(select(Place.id)).first():
        return None
    operator = _user("operateur@demo.social-isp.fr")
    mediator = _user("mediateur@demo.social-isp.fr")
    associations = {a.code: a for a in db.session.execute(select(Association)).scalars()}
    if operator is None or mediator is None or "ASSO-PB" not in associations:
        return None
    for code, (pivot, phone, summary) in DETAILS.items():
        association = associations.get(code)
        if association is None:
            continue
        association.siret_or_rna = association.siret_or_rna or pivot
        association.phone = association.phone or phone
        association.summary = association.summary or summary
        name, address, hours, access = PLACES[code]
        save_place(association, name=name, address=address, postcode="44300",
                   commune="Nantes", insee_code="44109", opening_hours=hours,
                   accessibility=access)
    households = list(db.session.execute(
        unassigned_households_query().where(Household.unit_code.like("PB-%"))
        .limit(30))
        .scalars())
    assigned = 0
    for household in households:
        suggestions = suggestions_for(household)
        if suggestions and suggestions[0].score > 0:
            assign_household(household, suggestions[0].code, reason=None,
                             actor=operator)
            assigned += 1
    asso = associations["ASSO-PB"]
    place = asso.places[0] if asso.places else None
    followed = bookable_households(asso.id)
    slots = []
    for offset, hour, topic, kind, capacity in SLOTS:
        starts = datetime.combine(today() + timedelta(days=offset), time(hour),
                                  tzinfo=LOCAL)
        slots.append(publish_slot(
            actor=mediator, association=asso, starts_at=starts, duration_minutes=90
            if kind == "collective" else 60, capacity=capacity, topic=topic, kind=kind,
            place_id=place.id if place else None))
    bookings = 0
    for slot, household in zip(slots, followed, strict=False):
        book(slot, household.id, actor=mediator)
        bookings += 1
    if len(followed) > len(slots):
        book(slots[1], followed[len(slots)].id, actor=mediator)
        bookings += 1
    # A past workshop, with attendance and its session records (written as history).
    past = CoachingSlot(association=asso, place=place, topic="equipment_use", kind="collective",
                        capacity=6,
                        duration_minutes=90, created_by_id=mediator.id,
                        starts_at=datetime.combine(today() - timedelta(days=3), time(14),
                                                   tzinfo=LOCAL))
    db.session.add(past)
    for index, household in enumerate(followed[:3]):
        db.session.add(Booking(slot=past, household_id=household.id, booked_by_id=mediator.id,
                               status="attended" if index < 2 else "absent"))
    db.session.flush()
    sessions = 0
    for index, household in enumerate(followed[:2]):
        record_session(
            actor=mediator, association=asso, kind="individual",
            held_on=today() - timedelta(days=3 + index), duration_minutes=60,
            place_type="own_place", commune_code="44109",
            themes=["equipment_use", "email"] if index == 0 else ["admin_caf"],
            autonomy="partially", equipment=["computer"], referral="none", follow_up=True,
            first_session=index == 0, household_id=household.id, slot_id=past.id)
        sessions += 1
    record_session(
        actor=mediator, association=asso, kind="collective",
        held_on=today() - timedelta(days=3), duration_minutes=90, place_type="own_place",
        commune_code="44109", themes=["equipment_use"], equipment=["computer", "phone"],
        participants=5, slot_id=past.id)
    sessions += 1
    db.session.flush()
    return (f"mediation: places +{len(DETAILS)}, assignments +{assigned}, slots "
            f"+{len(slots) + 1}, bookings +{bookings + 3}, sessions +{sessions}")


def _seed_associations() -> None:
    for code, name, languages, specialties in DEMO_ASSOCIATIONS:
        if not db.session.execute(select(Association.id).where(Association.code == code)).first():
            db.session.add(Association(code=code, name=name, languages=languages,
                                       specialties=specialties, districts="PORT-BOYER",
                                       capacity_per_month=25,
                                       email=f"contact@{code.lower()}.example"))
    db.session.flush()
    email, association, name = DEMO_MEDIATOR
    if get_user_by_email(email) is None:
        create_user(email, "mediator", password=current_app.config["DEMO_PASSWORDS"][email],
                    name=name, association_code=association)
