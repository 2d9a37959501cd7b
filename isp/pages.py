"""Public statements: accessibility (RGAA / WCAG 2.1 AA) and ecodesign, linked from the footer."""

from __future__ import annotations

from flask import Blueprint, render_template

from isp.auth import public
from isp.i18n import lazy_gettext as _l

bp = Blueprint("pages", __name__)

#: What the automated audit covers; the figures come from benchmarks/pages.py --write.
AUDIT_TOOLS = (_l("axe-core (axe-playwright-python), règles WCAG 2.1 niveaux A et AA"),
               _l("Chromium sans interface (Debian), Playwright"),
               _l("EcoIndex (paquet ecoindex-compute)"))


@bp.get("/accessibilite")
@public
def accessibility():
    """Déclaration d'accessibilité (RGAA 4.1, WCAG 2.1 AA)."""
    return render_template("pages/accessibility.html", tools=AUDIT_TOOLS)


@bp.get("/ecoconception")
@public
def ecodesign():
    """Déclaration d'écoconception: the measures taken and the weight of each page."""
    return render_template("pages/ecodesign.html", tools=AUDIT_TOOLS)
