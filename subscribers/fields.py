"""A household's fields, checked once for the form, the API and the import (isp.validation)."""

from __future__ import annotations

from isp.validation import Choice, Codes, Day, Integer, Text
from subscribers.choices import COACHING_NEEDS, LANGUAGES

UNIT_CODE = Text("unit_code", 30, required=True)
HOLDER_NAME = Text("holder_name", 120, required=True)
PHONE = Text("phone", 30)
EMAIL = Text("email", 254)
SIZE = Integer("size", minimum=1, maximum=20)
LANGUAGE = Choice("language", tuple(LANGUAGES))
#: Needs are codes of the coaching vocabulary: the assignment scores them (docs/design.md §3.6).
NEEDS = Codes("needs", tuple(COACHING_NEEDS))
OTHER_MEMBERS = Text("other_members", 500, multiline=True)
MOVED_IN_ON = Day("moved_in_on", required=True)
MOVED_OUT_ON = Day("moved_out_on", required=True)

HOUSEHOLD_FIELDS = {field.name: field for field in (
    HOLDER_NAME, PHONE, EMAIL, SIZE, LANGUAGE, NEEDS, OTHER_MEMBERS, MOVED_IN_ON)}


def check_household_fields(values: dict) -> dict:
    """``values`` with each household field checked and cleaned (DomainError naming the field)."""
    return {name: HOUSEHOLD_FIELDS[name].check(value) if name in HOUSEHOLD_FIELDS else value
            for name, value in values.items()}
