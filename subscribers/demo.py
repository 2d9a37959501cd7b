"""The Port-Boyer demo's places and people: districts (real figures), the pilot building's 116
flats and 80 fictitious households. Idempotent."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from isp.demo import read_csv
from isp.extensions import db
from subscribers import services
from subscribers.models import Building, District, Household, Unit

DEMO_BUILDING = "PB"
STAIRCASES = "ABCD"
FLATS_PER_STAIRCASE = 29  # 4 × 29 = 116 flats, floors 0–9 (two doors on the ground floor)
#: QPVs whose name is confirmed and which match an IRIS of the fragility file.
QPV_TO_IRIS = {"QP044017": "441140108", "QP044018": "441430401", "QP044019": "441620101"}

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


def seed_demo() -> str:
    districts = _seed_districts()
    flats = _seed_building()
    households = _seed_households()
    return f"districts +{districts}, flats +{flats}, households +{households}"


def _seed_districts() -> int:
    """The districts of the fragility file (by IRIS) and of the QPV file; their figures are
    evaluation's (its demo)."""
    if db.session.execute(select(District.id)).first():
        return 0
    by_iris: dict[str, District] = {}
    for row in read_csv("nantes-districts-ifn-2020.csv"):
        code = "PORT-BOYER" if row["iris_code"] == "441090903" else f"IRIS-{row['iris_code']}"
        district = District(code=code, name=row["name"].replace("Port Boyer", "Port-Boyer"),
                            commune=row["commune"], iris_code=row["iris_code"])
        db.session.add(district)
        by_iris[row["iris_code"]] = district
    for row in read_csv("nantes-qpv-2015-2023.csv"):
        district = by_iris.get(QPV_TO_IRIS.get(row["qpv_code"], ""))
        if district is None:
            confirmed = row["name_status"].startswith("high confidence")
            name = row["qpv_name"] if confirmed and row["qpv_name"] else f"QPV {row['qpv_code']}"
            district = District(code=row["qpv_code"], name=name,
                                commune=row["communes"].split(",")[0].strip())
            db.session.add(district)
        district.qpv_code = row["qpv_code"]
    db.session.flush()
    return len(by_iris)


def _seed_building() -> int:
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


def _seed_households() -> int:
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
