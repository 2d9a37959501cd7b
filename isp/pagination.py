"""Pagination for pages and the API list envelope of docs/design.md §4.5."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, jsonify, request
from flask_babel import gettext as _
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
    if raw is None:
        return default
    if raw == "":  # ``page=`` is a mistake of the caller, not a request for the default
        raise DomainError(_("%(field)s doit être un nombre entier.", field=name),
                          field=name, status=400)
    try:
        value = int(raw)
    except ValueError:
        raise DomainError(_("%(field)s doit être un nombre entier.", field=name),
                          field=name, status=400) from None
    if not 1 <= value <= MAX_PAGE_NUMBER:
        raise DomainError(_("%(field)s doit être entre 1 et %(high)s.", field=name,
                            high=MAX_PAGE_NUMBER), field=name,
                          status=400)
    return value


def count_without_joins(column, statement: Select) -> Select:
    """Count ``statement``'s rows from ``column``'s table alone, keeping its WHERE clause.

    For a statement that joins only to sort or to eager-load along non-null foreign keys and
    whose conditions are on that table (or in subqueries): the joins cannot change the count.
    """
    count = select(func.count(column))
    return count if statement.whereclause is None else count.where(statement.whereclause)


def _page_and_size(per_page: int | None) -> tuple[int, int]:
    """The page number and page size asked in the query string, checked."""
    max_per_page = current_app.config["API_MAX_PER_PAGE"]
    page = _int_arg("page", 1)
    size = _int_arg("per_page", per_page or current_app.config["PER_PAGE"])
    if size > max_per_page:
        raise DomainError(_("per_page vaut au plus %(n)s", n=max_per_page), field="per_page",
                          status=400)
    return page, size


def paginate(statement: Select, *, per_page: int | None = None, scalars: bool = True,
             count_statement: Select | None = None) -> Page:
    """Run a SELECT for the page asked in the query string (?page=&per_page=).

    ``count_statement`` counts the same rows more cheaply when the page's statement joins
    tables only to sort or to eager-load (e.g. ``select(func.count(Household.id))...``);
    without it the statement itself is counted.
    """
    page, size = _page_and_size(per_page)
    if count_statement is None:
        count_statement = select(func.count()).select_from(statement.order_by(None).subquery())
    total = db.session.execute(count_statement).scalar_one()
    items: list = []
    if total > (page - 1) * size:  # past the last page: no need to ask
        result = db.session.execute(statement.limit(size).offset((page - 1) * size))
        items = list(result.scalars() if scalars else result)
    return Page(items, total, page, size)


def paginate_list(items: list, *, per_page: int) -> Page:
    """The page asked in the query string (?page=&per_page=) of a list already in memory."""
    page, size = _page_and_size(per_page)
    start = (page - 1) * size
    return Page(items[start:start + size], len(items), page, size)


def api_list(statement: Select, serialize: Callable | None = None, *, scalars: bool = True,
             serialize_page: Callable[[list], list] | None = None,
             count_statement: Select | None = None):
    """The JSON list envelope: items, total, page, per_page.

    ``serialize`` turns one item into a dict; ``serialize_page`` the page's items at once (to
    fetch what they refer to in one query instead of one per item).
    """
    page = paginate(statement, scalars=scalars, count_statement=count_statement)
    items = serialize_page(page.items) if serialize_page else [serialize(i) for i in page.items]
    return jsonify({"items": items, "total": page.total, "page": page.page,
                    "per_page": page.per_page})
