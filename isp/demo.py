"""The Port-Boyer demo: real district figures, fictitious people and devices. Idempotent."""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from isp.extensions import db

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_BUILDING = "PB"
STAIRCASES = "ABCD"
FLATS_PER_STAIRCASE = 29  # 4 × 29 = 116 flats, floors 0–9 (two doors on the ground floor)
IFN_SOURCE = "MedNum, indice de fragilité numérique 2020 (IRIS)"
QPV_SOURCE = "INSEE / CNAF par QPV (ANCT, données DEMO 2020)"
#: QPVs whose name is confirmed and which match an IRIS of the fragility file.
QPV_TO_IRIS = {"QP044017": "441140108", "QP044018": "441430401", "QP044019": "441620101"}

DEMO_ASSOCIATIONS = (
    ("ASSO-PB", "Centre socioculturel Port-Boyer (fictif)", "fr;ar;en", "first_steps;email;"
     "online_admin;video_calls"),
    ("ECRAN-LIBRE", "Écran Libre Nantes Est (fictif)", "fr;es;pt;tr", "online_safety;"
     "parenting_school;job_search"),
)

FIRST_NAMES = ("Amina", "Jean", "Fatou", "Marie", "Karim", "Sophie", "Mamadou", "Lucie", "Youssef",
               "Claire", "Ahmed", "Nathalie", "Ibrahima", "Isabelle", "Mehdi", "Chantal", "Omar",
               "Sylvie", "Rachid", "Monique", "Aïcha", "Pierre", "Leïla", "Bernard", "Samira",
               "Thierry", "Nadia", "Hervé", "Mariama", "Gérard")
LAST_NAMES = ("Benali", "Martin", "Diallo", "Bernard", "Haddad", "Petit", "Traoré", "Durand",
              "El Amrani", "Leroy", "Ndiaye", "Moreau", "Kaya", "Simon", "Camara", "Laurent",
              "Bouzid", "Lefebvre", "Sow", "Michel", "Rossi", "Garcia", "Nguyen", "Fontaine",
              "Mendes", "Chevalier", "Yilmaz", "Robin", "Keita", "Gauthier")
NEEDS = ("first_steps", "email", "online_admin", "online_safety", "parenting_school",
         "job_search", "video_calls")
LANGS = ("fr",) * 7 + ("ar", "ar", "es", "pt", "tr", "en")

DEMO_USERS = (
    ("admin@demo.social-isp.fr", "admin", None, "Alex Admin (fictif)"),
    ("operateur@demo.social-isp.fr", "operator", None, "Olivia Opératrice (fictive)"),
    ("mediateur@demo.social-isp.fr", "mediator", "ASSO-PB", "Malik Médiateur (fictif)"),
    ("analyste@demo.social-isp.fr", "analyst", None, "Anna Analyste (fictive)"),
)


def unit_code(staircase: str, floor: int, door: int) -> str:
    return f"PB-{staircase}-{floor:02d}-{door}"


def demo_flats() -> list[tuple[str, int, int]]:
    """(staircase, floor, door) of the 116 flats, in port order (Gi1/0/1..29 per staircase)."""
    flats = []
    for staircase in STAIRCASES:
        for floor in range(10):
            doors = 2 if floor == 0 else 3
            flats += [(staircase, floor, door) for door in range(1, doors + 1)]
    return flats


def _read_csv(name: str) -> list[dict]:
    with open(DATA_DIR / name, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _seed_districts() -> int:
    from evaluation.models import DistrictIndicator
    from subscribers.models import District

    if db.session.execute(select(District.id)).first():
        return 0
    by_iris: dict[str, District] = {}
    for row in _read_csv("nantes-districts-ifn-2020.csv"):
        code = "PORT-BOYER" if row["iris_code"] == "441090903" else f"IRIS-{row['iris_code']}"
        district = District(code=code, name=row["name"].replace("Port Boyer", "Port-Boyer"),
                            commune=row["commune"], iris_code=row["iris_code"])
        db.session.add(district)
        by_iris[row["iris_code"]] = district
        for column in ("ifn_global", "ifn_information_access", "ifn_interfaces_access",
                       "ifn_administrative_skills", "ifn_digital_school_skills"):
            db.session.add(DistrictIndicator(district=district, indicator=column,
                                             value=float(row[column]), unit="index",
                                             source=IFN_SOURCE, year=2020))
    for row in _read_csv("nantes-qpv-2015-2023.csv"):
        district = by_iris.get(QPV_TO_IRIS.get(row["qpv_code"], ""))
        if district is None:
            confirmed = row["name_status"].startswith("high confidence")
            name = row["qpv_name"] if confirmed and row["qpv_name"] else f"QPV {row['qpv_code']}"
            district = District(code=row["qpv_code"], name=name,
                                commune=row["communes"].split(",")[0].strip())
            db.session.add(district)
        district.qpv_code = row["qpv_code"]
        for column, unit in (("population_municipale", "persons"), ("pct_age_0_24", "%"),
                             ("pct_age_60_plus", "%"), ("pct_single_person_households", "%"),
                             ("pct_foreign_nationals", "%"), ("caf_allocataires", "households"),
                             ("caf_persons_covered", "persons")):
            if row[column]:  # blank = statistical secrecy, not zero
                db.session.add(DistrictIndicator(district=district, indicator=column,
                                                 value=float(row[column]), unit=unit,
                                                 source=QPV_SOURCE, year=2020))
    db.session.flush()
    return len(by_iris)


def _seed_building() -> int:
    from subscribers import services
    from subscribers.models import Building

    if db.session.execute(select(Building.id).where(Building.code == DEMO_BUILDING)).first():
        return 0
    building = services.create_building(
        code=DEMO_BUILDING, name="Port-Boyer", address="1 rue de la Démo (adresse fictive)",
        postcode="44300", commune="Nantes", district_code="PORT-BOYER",
        landlord="Bailleur social (fictif)", status="pilot")
    for staircase, floor, door in demo_flats():
        services.create_unit(building=building, code=unit_code(staircase, floor, door),
                             staircase=staircase, floor=floor, door=str(door))
    db.session.flush()
    return 116


def _seed_associations() -> None:
    from mediation.models import Association

    for code, name, languages, specialties in DEMO_ASSOCIATIONS:
        if not db.session.execute(select(Association.id).where(Association.code == code)).first():
            db.session.add(Association(code=code, name=name, languages=languages,
                                       specialties=specialties, districts="PORT-BOYER",
                                       capacity_per_month=25,
                                       email=f"contact@{code.lower()}.example"))
    db.session.flush()


def _seed_users() -> None:
    from isp.services import create_user, get_user_by_email

    passwords = current_app.config["DEMO_PASSWORDS"]
    for email, role, association, name in DEMO_USERS:
        if get_user_by_email(email) is None:
            create_user(email, role, password=passwords[email], name=name,
                        association_code=association)


def _seed_households() -> int:
    from subscribers import services
    from subscribers.models import Household, Unit

    if db.session.execute(select(Household.id).join(Household.unit)
                          .where(Unit.code.like("PB-%"))).first():
        return 0
    rng = random.Random(116)  # fixed seed: the same demo every time
    units = db.session.execute(select(Unit).where(Unit.code.like("PB-%")).order_by(Unit.id)
                               ).scalars().all()
    occupied = sorted(rng.sample(range(len(units)), 80))
    for index in occupied:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        services.move_in(
            units[index], holder_name=f"{first} {last}",
            moved_in_on=date(2026, 1, 1).replace(month=rng.randint(1, 6)) if rng.random() < .2
            else date(2015 + rng.randint(0, 10), rng.randint(1, 12), 1),
            phone=f"06 00 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            email=f"foyer{index}@exemple.invalid" if rng.random() < .6 else None,
            size=rng.randint(1, 6), language=rng.choice(LANGS),
            needs=rng.sample(NEEDS, rng.randint(0, 2)))
    db.session.flush()
    return len(occupied)


def seed_demo() -> str:
    """Seed everything the demo needs; a second run adds nothing."""
    districts = _seed_districts()
    flats = _seed_building()
    _seed_associations()
    _seed_users()
    households = _seed_households()
    db.session.commit()
    extra = []
    from isp import registry

    for module in registry.demo_modules():  # each domain's ``demo``, then its ``demo_last``
        note = module.seed_demo()
        db.session.commit()
        if note:
            extra.append(note)
    parts = [f"districts +{districts}", f"flats +{flats}", f"households +{households}", *extra]
    return "Demo seeded (fictitious people and devices): " + ", ".join(parts)
