"""Domain errors and how each interface shows them."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from isp import audit
from isp.extensions import db
from isp.i18n import gettext as _


class DomainError(Exception):
    """A business rule was violated; ``field`` names the input at fault, if any."""

    def __init__(self, message: str, field: str | None = None, status: int = 422):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


class NotFoundError(DomainError):
    """A record does not exist, or is out of the actor's scope (both look the same)."""

    def __init__(self, message: str = "Not found", field: str | None = None):
        super().__init__(message, field, status=404)


def wants_json() -> bool:
    """API routes answer JSON errors; pages answer HTML."""
    return request.path.startswith("/api/")


def json_error(message: str, status: int, field: str | None = None):
    """The API error envelope of docs/design.md §4.5."""
    return jsonify({"error": message, "field": field}), status


def _audit_refusal(status: int, detail: str | None) -> None:
    """A logged-in user refused a record (out of scope looks like not found): audited."""
    audit.record_denied(status, detail)


def register_error_handlers(app: Flask) -> None:
    """Map errors to JSON for the API and to plain pages elsewhere; never show a stack trace."""

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        db.session.rollback()
        if isinstance(error, NotFoundError):
            _audit_refusal(404, error.message)
        if wants_json():
            return json_error(error.message, error.status, error.field)
        return render_template("errors/error.html", status=error.status,
                               message=error.message), error.status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.code in (403, 404):
            _audit_refusal(error.code, error.description if error.code == 404 else None)
        # The exception's own headers survive (405's Allow, 401's WWW-Authenticate: RFC 9110).
        headers = [(name, value) for name, value in error.get_headers()
                   if name.lower() != "content-type"]
        if wants_json():
            body, status = json_error(error.description or error.name, error.code or 500)
            return body, status, headers
        return render_template("errors/error.html", status=error.code,
                               message=error.description), error.code, headers

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if app.debug or app.testing and app.config.get("PROPAGATE_EXCEPTIONS"):
            raise error
        app.logger.error("Unhandled error on %s", request.path, exc_info=error)
        db.session.rollback()
        if wants_json():
            return json_error(_("Erreur interne"), 500)
        return render_template("errors/error.html", status=500, message=None), 500
