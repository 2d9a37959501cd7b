"""Pagination for pages and the API list envelope of DESIGN.md §4.5."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, jsonify, request
from sqlalchemy import Select, func, select

from isp.errors import DomainError
from isp.extensions import db

#: Beyond this an OFFSET overflows the databases' integers; nobody pages that far.
MAX_PAGE_NUMBER = 1_000_000


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise DomainError(f"{name} must be a whole number", field=name, status=400) from None
    if not 1 <= value <= MAX_PAGE_NUMBER:
        raise DomainError(f"{name} must be between 1 and {MAX_PAGE_NUMBER}", field=name,
                          status=400)
    return value


def paginate(statement: Select, *, per_page: int | None = None, scalars: bool = True) -> Page:
    """Run a SELECT for the page asked in the query string (?page=&per_page=)."""
    max_per_page = current_app.config["API_MAX_PER_PAGE"]
    page = _int_arg("page", 1)
    size = _int_arg("per_page", per_page or current_app.config["PER_PAGE"])
    if size > max_per_page:
        raise DomainError(f"per_page must be at most {max_per_page}", field="per_page",
                          status=400)
    total = db.session.execute(
        select(func.count()).select_from(statement.order_by(None).subquery())
    ).scalar_one()
    result = db.session.execute(statement.limit(size).offset((page - 1) * size))
    items = list(result.scalars() if scalars else result)
    return Page(items, total, page, size)


def api_list(statement: Select, serialize: Callable, *, scalars: bool = True):
    """The JSON list envelope: items, total, page, per_page."""
    page = paginate(statement, scalars=scalars)
    return jsonify({"items": [serialize(item) for item in page.items], "total": page.total,
                    "page": page.page, "per_page": page.per_page})
