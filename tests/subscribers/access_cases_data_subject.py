"""Access cases for a household's data-subject pages (export, erasure)."""

from datetime import date

from tests import factories
from tests.access import Case


def _household(ctx):
    return {"household_id": factories.make_household(moved_out_on=date(2026, 1, 1)).id,
            "data": {"reason": "demande"}}


CASES = [
    Case("GET", "/households/<int:household_id>/data", ("operator",), _household),
    Case("POST", "/households/<int:household_id>/anonymise", ("operator",), _household,
         ok=(302,)),
]
