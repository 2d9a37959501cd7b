"""Access cases for the core administration and data-protection pages."""

from tests import factories
from tests.access import Case

ADMIN = ()
#: Every logged-in user (``isp.auth.logged_in``), residents too.
ANY = ("operator", "mediator", "analyst", "resident")
POST_OK = (200, 302, 400)


def _user(ctx):
    return {"user_id": factories.make_user("analyst").id}


def _token(ctx):
    from isp.extensions import db
    from isp.models import ApiToken

    user = ctx.user if ctx.user is not None else factories.make_user("operator")
    token, _clear = ApiToken.issue(user)
    db.session.add(token)
    db.session.flush()
    return {"token_id": token.id}


CASES = [
    Case("GET", "/admin/users", ADMIN),
    Case("POST", "/admin/users", ADMIN, ok=POST_OK),
    Case("POST", "/admin/users/<int:user_id>/reset-password", ADMIN, _user, ok=(302,)),
    Case("POST", "/admin/users/<int:user_id>/toggle", ADMIN, _user, ok=(302,)),
    Case("GET", "/admin/audit", ADMIN),
    Case("GET", "/admin/access-matrix", ADMIN),
    Case("GET", "/account/tokens", ANY),
    Case("POST", "/account/tokens", ANY, ok=(200, 400)),
    Case("POST", "/account/tokens/<int:token_id>/revoke", ANY, _token, ok=(302,)),
    Case("GET", "/account/two-factor", ("operator",)),
    Case("POST", "/account/two-factor", ("operator",), ok=POST_OK),
    Case("GET", "/register", ANY),
]
