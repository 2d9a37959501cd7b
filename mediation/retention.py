"""Mediation's part of the retention rules (docs/design.md §3.8, isp/gdpr.py)."""

from __future__ import annotations

from datetime import datetime

from mediation.assignments import cut_ended_links


def purge_expired(now: datetime, rules: dict) -> dict[str, int]:
    """Coaching records lose their link to a household once its orientation has ended."""
    return {"session_links_cut": cut_ended_links()}
