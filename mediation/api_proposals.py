"""JSON API of the coaching proposals (issue 20): the same rules as the pages."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy.orm import joinedload

from isp import audit
from isp.auth import Scope, current_actor, require_role
from isp.choices import Role
from isp.extensions import db
from isp.openapi import documented
from isp.pagination import api_list
from isp.query import parse
from isp.validation import Integer, body_schema, json_body
from mediation import proposals
from mediation.models_proposals import CoachingProposal
from mediation.schemas import FollowedFiguresOut, FollowedFiguresQuery, ProposalOut, ProposalQuery

bp = Blueprint("mediation_proposals_api", __name__, url_prefix="/api/v1")

SLOT_ID = Integer("slot_id", required=True)
# Required once given: an empty ``?months=`` is a mistake to point out, not "the default".


def proposal_json(proposal: CoachingProposal) -> dict:
    return {"id": proposal.id, "household_id": proposal.household_id,
            "association_code": proposal.association.code if proposal.association else None,
            "kind": proposal.kind, "event_on": proposal.event_on.isoformat(),
            "status": proposal.status, "decline_reason": proposal.decline_reason,
            "booking_id": proposal.booking_id,
            "decided_at": proposal.decided_at.isoformat() if proposal.decided_at else None}


@bp.get("/proposals")
@require_role(Role.MEDIATOR, Role.OPERATOR, scope="own_association")
@documented(query=ProposalQuery, items=ProposalOut)
def proposal_list():
    """Coaching proposals in scope (default: those waiting for an answer)."""
    scope = Scope.of(current_actor())
    query = parse(ProposalQuery)
    statement = proposals.proposals_query(scope, status=query.status or None,
                                          queue_only=query.queue == "1")
    audit.record_request("read", "household_list", None, detail="proposals (API)")
    # Each proposal's association joined into the page's query, not read one by one.
    response = api_list(statement.options(joinedload(CoachingProposal.association)),
                        proposal_json)
    db.session.commit()
    return response


@bp.post("/proposals/<int:proposal_id>/accept")
@require_role(Role.MEDIATOR, scope="own_association")
@documented(body_schema(SLOT_ID), response=ProposalOut)
def proposal_accept(proposal_id: int):
    """Accept a proposal by booking the household on a slot of its association."""
    actor = current_actor()
    proposal = proposals.get_proposal(proposal_id, Scope.of(actor))
    slot_id = SLOT_ID.check(json_body(allowed=("slot_id",)).get("slot_id"))
    proposals.accept(proposal, slot_id, actor=actor)
    audit.record_request("book", "household", proposal.household_id,
                         detail=f"proposal {proposal.id}")
    db.session.commit()
    return jsonify(proposal_json(proposal))


@bp.post("/proposals/<int:proposal_id>/decline")
@require_role(Role.MEDIATOR, scope="own_association")
@documented(body_schema(proposals.DECLINE_REASON, required=("reason",)), response=ProposalOut)
def proposal_decline(proposal_id: int):
    """Decline a proposal, saying why."""
    actor = current_actor()
    proposal = proposals.get_proposal(proposal_id, Scope.of(actor))
    proposals.decline(proposal, json_body(allowed=("reason",)).get("reason"), actor=actor)
    audit.record_request("decision", "household", proposal.household_id,
                         detail=f"proposal {proposal.id} declined")
    db.session.commit()
    return jsonify(proposal_json(proposal))


@bp.get("/proposals/figures")
@require_role(Role.ANALYST, Role.OPERATOR, scope="aggregates")
@documented(query=FollowedFiguresQuery, response=FollowedFiguresOut)
def followed_figures():
    """Connections followed by a first session within 30 days, per month of activation
    (counts rounded to 5, fewer than 5 connections suppressed)."""
    months = parse(FollowedFiguresQuery).months
    items = [{"period": m.period, "connections": m.connections, "followed": m.followed,
              "share_percent": m.share_percent, "suppressed": m.suppressed}
             for m in proposals.followed_months(proposals.recent_periods(months))]
    return jsonify({"items": items, "total": len(items), "page": 1, "per_page": len(items)})
