"""Access cases of the coaching proposals (pages and API; mediators: their association only)."""

from datetime import date

from tests import factories
from tests.access import Case
from tests.mediation.factories import make_slot

POST_OK = (200, 201, 302, 400, 409, 422)


def _proposal(association):
    from mediation import proposals

    household = factories.make_household(association=association)
    proposal = proposals.propose_first_session(
        factories.make_subscription(household=household), activated_on=date(2026, 11, 2))
    return proposal, make_slot(association)


def _accept_in(ctx):
    proposal, slot = _proposal(ctx.association)
    return {"proposal_id": proposal.id, "json": {"slot_id": slot.id},
            "data": {f"p{proposal.id}-slot_id": slot.id}}


def _accept_other(ctx):
    proposal, slot = _proposal(factories.make_association())
    return {"proposal_id": proposal.id, "json": {"slot_id": slot.id},
            "data": {f"p{proposal.id}-slot_id": slot.id}}


def _decline_in(ctx):
    proposal, _slot = _proposal(ctx.association)
    return {"proposal_id": proposal.id, "json": {"reason": "déjà autonome"},
            "data": {f"d{proposal.id}-reason": "déjà autonome"}}


def _decline_other(ctx):
    proposal, _slot = _proposal(factories.make_association())
    return {"proposal_id": proposal.id, "json": {"reason": "déjà autonome"},
            "data": {f"d{proposal.id}-reason": "déjà autonome"}}


CASES = [
    Case("GET", "/mediation/proposals", ("mediator", "operator")),
    Case("POST", "/mediation/proposals/<int:proposal_id>/accept", ("mediator",), _accept_in,
         _accept_other, ok=POST_OK),
    Case("POST", "/mediation/proposals/<int:proposal_id>/decline", ("mediator",), _decline_in,
         _decline_other, ok=POST_OK),
    Case("GET", "/mediation/proposals/figures", ("analyst", "operator")),
    Case("GET", "/api/v1/proposals", ("mediator", "operator")),
    Case("POST", "/api/v1/proposals/<int:proposal_id>/accept", ("mediator",), _accept_in,
         _accept_other, ok=POST_OK),
    Case("POST", "/api/v1/proposals/<int:proposal_id>/decline", ("mediator",), _decline_in,
         _decline_other, ok=POST_OK),
    Case("GET", "/api/v1/proposals/figures", ("analyst", "operator")),
]
