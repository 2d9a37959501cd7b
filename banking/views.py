"""Pages of the bank statements (issue 22): import, the statements, the queue of lines to place."""

from __future__ import annotations

from flask import Blueprint

from billing.numbering import structured_reference

bp = Blueprint("banking", __name__, template_folder="templates")
# The invoice pages print the transfer reference that the statement import looks for.
bp.add_app_template_global(structured_reference, "structured_reference")
