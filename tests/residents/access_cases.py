"""Access cases of the residents' sign-in and notice settings, and of the operators' pages of
residents' accounts (issue 20). The sign-in pages are public (no case needed).

``/moi/avis``: residents (the admin passes ``require_role`` and is then refused by
``residents.identity``: no household, 403).
"""

from tests import factories
from tests.access import Case

OPS = ("operator",)
POST_OK = (200, 302, 303, 400)


def _household(ctx):
    return {"household_id": factories.make_household().id}


def _account(ctx):
    from tests.residents.conftest import make_resident

    _user, household, account = make_resident()
    return {"household_id": household.id, "account_id": account.id,
            "data": {"notify_email": "y"}}


def _own_household(ctx):
    return {"household_id": factories.make_household(association=ctx.association).id}


def _other_household(ctx):
    return {"household_id": factories.make_household(
        association=factories.make_association()).id}


def _api_account(ctx):
    values = _account(ctx)
    values.pop("data")
    return values


CASES = [
    Case("GET", "/moi/avis", ("resident",), ok=(200, 403)),
    Case("POST", "/moi/avis", ("resident",), ok=(200, 400, 403)),
    Case("GET", "/households/<int:household_id>/resident-accounts/new", OPS, _household),
    Case("POST", "/households/<int:household_id>/resident-accounts/new", OPS, _household,
         ok=(400,)),
    Case("POST", "/households/<int:household_id>/resident-accounts/<int:account_id>/letter",
         OPS, _account),
    Case("POST", "/households/<int:household_id>/resident-accounts/<int:account_id>/end", OPS,
         _account, ok=(303,)),
    Case("POST", "/households/<int:household_id>/resident-accounts/<int:account_id>/notices",
         OPS, _account, ok=(303,)),
    Case("GET", "/api/v1/households/<int:household_id>/resident-accounts", OPS, _household),
    Case("POST", "/api/v1/households/<int:household_id>/resident-accounts", OPS, _household,
         ok=(400, 422)),
    Case("POST", "/api/v1/households/<int:household_id>/resident-accounts/<int:account_id>/end",
         OPS, _api_account),
    Case("GET", "/api/v1/households/<int:household_id>/resident-notices",
         ("operator", "mediator"), _own_household, out_of_scope=_other_household),
    Case("GET", "/api/v1/me/notice-settings", ("resident",), ok=(200, 403)),
    Case("PUT", "/api/v1/me/notice-settings", ("resident",), ok=(200, 400, 403, 422)),
]
