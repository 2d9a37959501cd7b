"""Query-string filters declared once, as pydantic models, for a list page and its API endpoint.

A list's filters are one model (``class TicketQuery(Query): status: TicketStatus | None = None``)
that both the HTML page and the API view read with ``parse(TicketQuery)``; the API view also
declares it (``@documented(query=TicketQuery)``), and ``isp.openapi`` writes its parameters
from the model's JSON schema. Reading a model an API view did not declare is a programming error
(``UndeclaredQuery``), so the document cannot miss an argument.

Rules of the query string, the same for every list:
- an empty text or choice (``?status=``, a form's empty select) is an absent one, unless the
  field lists ``""`` among its values (the proposals' ``status=`` means "any status", its
  absence "waiting for an answer"); the document says so (``""`` in the enum, ``^$|`` before
  the pattern); an empty number or boolean is a 400, as ``page=`` is;
- surrounding spaces are dropped;
- a bad value is a 400 ``{"error", "field"}`` with the French messages of ``isp.validation``;
- ``page`` and ``per_page`` stay with ``isp.pagination`` (every list has them).

Why pydantic (docs/architecture.md §3): it is already installed (schemathesis needs it), its
JSON schema is the OpenAPI 3.1 dialect, and its models describe the responses as well.
"""

from __future__ import annotations

import functools
import typing
from typing import Any, ClassVar, TypeVar

from flask import current_app, request
from pydantic import BaseModel, ConfigDict, ValidationError

from isp.errors import DomainError
from isp.i18n import gettext as _

#: Attribute ``isp.openapi.documented`` sets on a view: the model of its query string.
QUERY_ATTR = "openapi_query"


class Query(BaseModel):
    """Base of a list's filters (fields named as the query arguments, or with an alias).

    ``missing_messages``: for a required argument, the message telling what it is when absent
    (a lazy gettext string), instead of the generic "is required".
    """

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True,
                              str_strip_whitespace=True)
    missing_messages: ClassVar[dict[str, Any]] = {}


class UndeclaredQuery(RuntimeError):
    """An API view read query arguments its OpenAPI operation does not declare."""


Q = TypeVar("Q", bound=Query)


def declared_query(view) -> type[Query] | None:
    """The query model declared on a view, or on any function it wraps."""
    while view is not None:
        if QUERY_ATTR in getattr(view, "__dict__", {}):
            return view.__dict__[QUERY_ATTR]
        view = getattr(view, "__wrapped__", None)
    return None


def _inline(schema: Any, definitions: dict) -> Any:
    """``schema`` with its ``$ref``s to ``definitions`` replaced by their content."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            target = definitions[schema["$ref"].rsplit("/", 1)[-1]]
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            return _inline(target, definitions) | _inline(rest, definitions)
        return {key: _inline(value, definitions) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_inline(item, definitions) for item in schema]
    return schema


def _without_null(schema: dict) -> dict:
    """A query argument is absent or a string: the ``null`` branch of ``X | None`` goes."""
    branches = schema.get("anyOf")
    if branches:
        kept = [branch for branch in branches if branch.get("type") != "null"]
        if len(kept) == 1:
            rest = {k: v for k, v in schema.items() if k != "anyOf"}
            return kept[0] | rest
    return schema


def _empty_is_absent(schema: dict) -> bool:
    return schema.get("type") == "string"


def _accepting_empty(schema: dict) -> dict:
    """A text argument's schema stating that an empty value is accepted (as absent)."""
    if "enum" in schema and "" not in schema["enum"]:
        schema = schema | {"enum": ["", *schema["enum"]]}
    if "pattern" in schema:
        schema = schema | {"pattern": f"^$|{schema['pattern']}"}
    return schema


def _query_schemas(model: type[Query]) -> dict[str, tuple[dict, bool]]:
    """Each argument of ``model`` as the model checks it (no ``$ref``), and whether required."""
    schema = model.model_json_schema(by_alias=True)
    definitions = schema.get("$defs", {})
    required = set(schema.get("required", ()))
    parameters = {}
    for name, property_schema in schema.get("properties", {}).items():
        inlined = _without_null(_inline(property_schema, definitions))
        inlined.pop("title", None)
        if inlined.get("default", "") is None:  # absent, not the JSON null a query cannot send
            del inlined["default"]
        parameters[name] = (inlined, name in required)
    return parameters


@functools.cache
def _checked_schemas(model: type[Query]) -> dict[str, tuple[dict, bool]]:
    """``_query_schemas`` once per model for ``parse`` (rebuilding pydantic's JSON schema cost
    0.2–0.4 ms of every list request); read only: the constraints, no translated text."""
    return _query_schemas(model)


def parameter_schemas(model: type[Query]) -> dict[str, tuple[dict, bool]]:
    """Each query argument of ``model`` for the document: its schema and whether required."""
    return {name: (_accepting_empty(schema) if _empty_is_absent(schema) and not required
                   else schema, required)
            for name, (schema, required) in _query_schemas(model).items()}


def _is_list(annotation: Any) -> bool:
    return any(typing.get_origin(arg) is list or arg is list
               for arg in (annotation, *typing.get_args(annotation)))




def _message(error: dict, name: str, schema: dict) -> str:
    """The French message of ``isp.validation`` for a pydantic error on argument ``name``."""
    kind = error["type"]
    if kind == "missing":
        return _("%(field)s est obligatoire.", field=name)
    if kind.startswith("int_"):
        return _("%(field)s doit être un nombre entier.", field=name)
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return _("%(field)s doit être entre %(low)s et %(high)s.", field=name,
                 low=schema.get("minimum", "…"), high=schema.get("maximum", "…"))
    if kind in ("literal_error", "enum"):
        allowed = [str(value) for value in schema.get("enum", ())]
        return _("%(field)s doit être l'un de : %(allowed)s.", field=name,
                 allowed=", ".join(allowed))
    if kind.startswith("date_"):
        return _("%(field)s doit être une date AAAA-MM-JJ.", field=name)
    if kind.startswith("datetime_"):
        return _("%(field)s doit être une date ou une heure ISO 8601.", field=name)
    if kind.startswith("bool_"):
        return _("%(field)s vaut true ou false.", field=name)
    if kind == "string_too_long":
        return _("%(field)s dépasse %(n)s caractères.", field=name, n=schema.get("maxLength"))
    return _("%(field)s est hors des bornes admises.", field=name)


def _check_declared(model: type[Query]) -> None:
    if not request.path.startswith("/api/") or request.endpoint is None:
        return
    declared = declared_query(current_app.view_functions.get(request.endpoint))
    if declared is not model:
        raise UndeclaredQuery(f"{request.endpoint} reads {model.__name__} without "
                              f"@documented(query={model.__name__})")


def parse(model: type[Q], args=None) -> Q:
    """The filters of ``model`` read from the query string (or ``args``), checked.

    A bad value is a ``DomainError`` 400 naming the argument, as for every API input.
    """
    if args is None:
        _check_declared(model)
        args = request.args
    schemas = _checked_schemas(model)
    data: dict[str, Any] = {}
    for attribute, field in model.model_fields.items():
        name = field.alias or attribute
        schema = schemas[name][0]
        if _is_list(field.annotation):
            values = [value.strip() for value in args.getlist(name) if value.strip()]
            if values:
                data[name] = values
            continue
        raw = args.get(name)
        if raw is None or (not raw.strip() and _empty_is_absent(schema)
                           and "" not in schema.get("enum", ())):
            continue
        data[name] = raw.strip()
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = first["loc"][0] if first["loc"] else ""
        name = str(location)
        message = (str(model.missing_messages[name])
                   if first["type"] == "missing" and name in model.missing_messages
                   else _message(first, name, schemas.get(name, ({}, False))[0]))
        raise DomainError(message, field=name, status=400) from None
