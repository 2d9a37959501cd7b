"""The Port-Boyer demo: real district figures, fictitious people and devices. Idempotent."""

from __future__ import annotations

import csv
from pathlib import Path

from flask import current_app

from isp import registry
from isp.extensions import db
from isp.services import create_user, get_user_by_email

DATA_DIR = Path(__file__).resolve().parent / "data"
#: The staff of the core's roles; the mediator comes with its association (mediation's demo).
DEMO_USERS = (
    ("admin@demo.social-isp.fr", "admin", "Alex Admin (fictif)"),
    ("operateur@demo.social-isp.fr", "operator", "Olivia Opératrice (fictive)"),
    ("analyste@demo.social-isp.fr", "analyst", "Anna Analyste (fictive)"),
)


def read_csv(name: str) -> list[dict]:
    """A data file of the demo (``isp/data``: real district figures)."""
    with open(DATA_DIR / name, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _seed_users() -> None:
    passwords = current_app.config["DEMO_PASSWORDS"]
    for email, role, name in DEMO_USERS:
        if get_user_by_email(email) is None:
            create_user(email, role, password=passwords[email], name=name)


def seed_demo() -> str:
    """Seed everything the demo needs; a second run adds nothing.

    The staff first, then each domain's declared demo steps (``demo``, then ``demo_last``), each
    committed on its own.
    """
    _seed_users()
    db.session.commit()
    notes = []
    for module in registry.demo_modules():
        note = module.seed_demo()
        db.session.commit()
        if note:
            notes.append(note)
    return "Demo seeded (fictitious people and devices): " + ", ".join(notes)
