"""URL parameters of the residents' pages (tests/ui/discovery.py reads ``RESOLVERS``)."""

from __future__ import annotations

from sqlalchemy import select


def _own_household_id(ctx):
    if ctx.user is None or ctx.role != "resident":
        return None
    from residents.identity import household_of

    household = household_of(ctx.user)
    return household.id if household is not None else None


def _mandate_query(ctx):
    from residents.models_mandates import Mandate

    statement = select(Mandate).where(Mandate.status == "active").order_by(Mandate.id)
    if ctx.role == "mediator" and ctx.user is not None:
        statement = statement.where(Mandate.mediator_id == ctx.user.id)
    return statement


def _mandate_id(ctx):
    mandate = ctx.session.execute(_mandate_query(ctx).limit(1)).scalar()
    return mandate.id if mandate is not None else None


def _invoice_number(ctx):
    """An issued invoice of the resident's own household, or of the household whose mandate
    the mediator holds."""
    from billing.models import Invoice

    if ctx.role == "resident":
        household_id = _own_household_id(ctx)
    else:
        mandate = ctx.session.execute(_mandate_query(ctx).limit(1)).scalar()
        household_id = mandate.household_id if mandate is not None else None
    if household_id is None:
        return None
    return ctx.first(select(Invoice.number).where(
        Invoice.household_id == household_id, Invoice.number.is_not(None))
        .order_by(Invoice.number))


def _proposal_id(ctx):
    from mediation.models_proposals import CoachingProposal

    statement = select(CoachingProposal.id).order_by(CoachingProposal.id)
    if ctx.role == "mediator" and ctx.user is not None:
        statement = statement.where(CoachingProposal.association_id == ctx.user.association_id)
    return ctx.first(statement)


RESOLVERS = {
    "factures.number": _invoice_number,
    "mandates.mandate_id": _mandate_id,
    "mandate_id": _mandate_id,
    "proposal_id": _proposal_id,
}
