"""Pagination for pages and the API list envelope of docs/design.md §4.5.

Lists count their rows exactly up to ``LIST_EXACT_COUNT_LIMIT`` (1,000 by default) and say
"more than 1,000" beyond (issue 23.3): an exact total over 100,000 households cost more than the
rest of the page, and a list is for finding rows, not for counting them (the aggregates live in
the dashboards). The same choice as Elasticsearch's ``track_total_hits``; paging on stays
possible, and the count reaches further as the reader does (``page × per_page`` rows at least).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from flask import current_app, jsonify, request
from sqlalchemy import BindParameter, Integer, Select, bindparam, func, select

from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _

#: Beyond this an OFFSET overflows the databases' integers; nobody pages that far.
MAX_PAGE_NUMBER = 1_000_000


@dataclass
class Page:
    items: list
    #: The number of rows when ``total_exact``; otherwise there are more than ``total``.
    total: int
    page: int
    per_page: int
    total_exact: bool = True

    @property
    def pages(self) -> int:
        """The number of pages, or those known so far when the total is a lower bound."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        # A lower bound is at least the rows up to this page's end: more follow.
        return self.page < self.pages or not self.total_exact


class ListStatements(NamedTuple):
    """A list's statements, built once per set of filters used (isp.database.built_once), and
    the values of their bind parameters for this request (docs/architecture.md §3).

    ``rows`` the list's rows in its order; ``count_rows`` the same rows more cheaply for the
    count (``rows_without_joins``), or None to count ``rows``. What a domain's list function
    returns and ``paginate`` and ``api_list`` take.
    """

    rows: Select
    values: dict[str, Any]
    count_rows: Select | None = None

    def where(self, *conditions: Any) -> ListStatements:
        """The same list narrowed by conditions added on this request (a search's words),
        to its rows and its count alike."""
        if not conditions:
            return self
        return ListStatements(self.rows.where(*conditions), self.values,
                              None if self.count_rows is None
                              else self.count_rows.where(*conditions))

    def bound(self) -> Select:
        """The rows' statement with this request's values bound, for a caller that runs it
        once (the domains' ``*_query`` functions)."""
        return self.rows.params(**self.values)


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


def rows_without_joins(column, statement: Select) -> Select:
    """``statement``'s rows as ``column`` from its table alone, keeping its WHERE clause: what
    ``paginate(count_rows=...)`` counts.

    For a statement that joins only to sort or to eager-load along non-null foreign keys and
    whose conditions are on that table (or in subqueries): the joins cannot change the count.
    """
    rows = select(column)
    return rows if statement.whereclause is None else rows.where(statement.whereclause)


def count_up_to(rows: Select, limit: int, values: dict | None = None) -> int:
    """How many rows ``rows`` has, counting no further than ``limit`` (``values``: those of
    its bind parameters, ``rows`` then a statement built once)."""
    if values is None:
        return db.session.execute(select(func.count()).select_from(
            rows.order_by(None).limit(limit).subquery())).scalar_one()
    return db.session.execute(_built_once_around(rows, "count"),
                              {**values, "count_limit": limit}).scalar_one()


def _built_once_around(statement: Select, kind: str) -> Select:
    """The count or the page (LIMIT and OFFSET as values) of a statement given with
    ``values`` (built once, most of them), built once too: wrapping a statement cost more CPU
    than running it on an index (0.31 and 0.16 ms, issue 23.3). Kept on the statement itself,
    so it lives and dies with it; a statement derived from it (``where``) copies the attribute
    but is not the statement it names, and builds its own."""
    kept = statement.__dict__.get("_isp_around")
    if kept is None or kept[0] is not statement:
        kept = (statement, {})
        statement.__dict__["_isp_around"] = kept
    around = kept[1].get(kind)
    if around is None:
        if kind == "count":
            around = select(func.count()).select_from(
                statement.order_by(None).limit(_inline("count_limit")).subquery())
        else:
            around = statement.limit(_inline("page_limit")).offset(_inline("page_offset"))
        kept[1][kind] = around
    return around


def _inline(name: str) -> BindParameter:
    """A LIMIT or OFFSET written into the SQL at each execution, not sent as a parameter:
    PostgreSQL plans a prepared statement once only when it can cost it, and a LIMIT it does
    not know costs the whole list (1,169,392 against 16,410 for the due list's count), so every
    execution was planned again, ~1 ms each (issue 23.3). The statement stays built and
    compiled once (SQLAlchemy's ``literal_execute``); the texts differ per page and size."""
    return bindparam(name, type_=Integer(), literal_execute=True)


def _page_and_size(per_page: int | None) -> tuple[int, int]:
    """The page number and page size asked in the query string, checked."""
    max_per_page = current_app.config["API_MAX_PER_PAGE"]
    page = _int_arg("page", 1)
    size = _int_arg("per_page", per_page or current_app.config["PER_PAGE"])
    if size > max_per_page:
        raise DomainError(_("per_page vaut au plus %(n)s", n=max_per_page), field="per_page",
                          status=400)
    return page, size


def paginate(statement: Select | ListStatements, *, per_page: int | None = None,
             scalars: bool = True,
             count_rows: Select | None = None, count_statement: Select | None = None,
             values: dict | None = None) -> Page:
    """Run a SELECT for the page asked in the query string (?page=&per_page=).

    The total is exact up to ``LIST_EXACT_COUNT_LIMIT`` rows, or up to the end of the page
    asked if further, and a lower bound beyond (see the module's docstring). ``count_rows``
    gives the same rows more cheaply when the page's statement joins tables only to sort or to
    eager-load (``rows_without_joins``); without it the statement itself is counted.
    ``count_statement``, an exact count, is for lists that cannot grow large (a building's flats).
    ``values``: those of the statements' bind parameters, for statements built once
    (isp.database.built_once), whose count and page are then built once as well; a
    ``ListStatements`` brings its rows, count and values at once.
    """
    if isinstance(statement, ListStatements):
        statement, values, count_rows = statement
    page, size = _page_and_size(per_page)
    start = (page - 1) * size
    if count_statement is not None:
        total = db.session.execute(count_statement, values).scalar_one()
        items = _page_rows(statement, values, start, size, scalars) if total > start else []
        return Page(items, total, page, size)
    # The page first, with one row past it: that row tells whether the list goes on, which
    # makes the count needless on a later page (issue 23.3): a last page has its total at
    # hand, and past the exact limit the count would stop at this page's end anyway (3,001
    # rows read for ``?page=100``). A first page is still counted, a short list too: its
    # count costs little, and its statements stay those of a long one; an empty one is not.
    rows = _page_rows(statement, values, start, size + 1, scalars)
    if page == 1 and not rows:
        return Page([], 0, page, size)
    known = max(current_app.config["LIST_EXACT_COUNT_LIMIT"], page * size)
    if page > 1 and len(rows) > size and known == page * size:
        return Page(rows[:size], known, page, size, total_exact=False)
    if page > 1 and 0 < len(rows) <= size:
        return Page(rows, start + len(rows), page, size)
    # One row past what is shown tells whether there is more.
    total = count_up_to(statement if count_rows is None else count_rows, known + 1, values)
    exact = total <= known
    return Page(rows[:size], total if exact else known, page, size, exact)


def _page_rows(statement: Select, values: dict | None, offset: int, limit: int,
               scalars: bool) -> list:
    if values is None:
        result = db.session.execute(statement.limit(limit).offset(offset))
    else:
        result = db.session.execute(_built_once_around(statement, "page"), {
            **values, "page_limit": limit, "page_offset": offset})
    return list(result.scalars() if scalars else result)


def paginate_list(items: list, *, per_page: int) -> Page:
    """The page asked in the query string (?page=&per_page=) of a list already in memory."""
    page, size = _page_and_size(per_page)
    start = (page - 1) * size
    return Page(items[start:start + size], len(items), page, size)


def api_list(statement: Select | ListStatements, serialize: Callable | None = None, *,
             scalars: bool = True,
             serialize_page: Callable[[list], list] | None = None,
             count_rows: Select | None = None, values: dict | None = None):
    """The JSON list envelope: items, total, total_exact, page, per_page.

    ``serialize`` turns one item into a dict; ``serialize_page`` the page's items at once (to
    fetch what they refer to in one query instead of one per item). ``total_exact`` false: there
    are more than ``total`` rows (see the module's docstring).
    """
    page = paginate(statement, scalars=scalars, count_rows=count_rows, values=values)
    items = serialize_page(page.items) if serialize_page else [serialize(i) for i in page.items]
    return jsonify({"items": items, "total": page.total, "total_exact": page.total_exact,
                    "page": page.page, "per_page": page.per_page})
