"""The OpenAPI 3 document, generated from the code: routes, their access rules and views.

Paths and path parameters come from the URL map, summaries from the view docstrings, query
parameters from the view's declared query model (``isp.query``), request bodies from the
``isp.validation`` fields the services check, responses from the view's declared pydantic
model (``response=`` one object, ``items=`` the list envelope of ``isp.pagination.api_list``),
and the error responses from docs/design.md §4.5. Served at /api/v1/openapi.json.
"""

from __future__ import annotations

import inspect
import re

from flask import Flask
from pydantic import BaseModel, ConfigDict

from isp.auth import ACCESS_ATTR
from isp.query import QUERY_ATTR, Query, declared_query, parameter_schemas

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
#: Where a model's own schema and those it refers to are written (``components.schemas``).
_REF_TEMPLATE = "#/components/schemas/{model}"

ERROR_SCHEMA = {"type": "object", "required": ["error"],
                "properties": {"error": {"type": "string"},
                               "field": {"type": ["string", "null"]}}}
LIST_SCHEMA = {"type": "object", "required": ["items", "total", "total_exact", "page", "per_page"],
               "properties": {"items": {"type": "array", "items": {"type": "object"}},
                              "total": {"type": "integer", "minimum": 0},
                              # false: more than ``total`` rows (counted up to a limit)
                              "total_exact": {"type": "boolean"},
                              "page": {"type": "integer", "minimum": 1},
                              "per_page": {"type": "integer", "minimum": 1}}}
JSON_OBJECT = {"type": "object"}


class Resource(BaseModel):
    """Base of a response model: it describes what a ``*_json`` serialiser returns (the views
    still build the dicts); a member the model does not name is a mismatch, not a bonus."""

    model_config = ConfigDict(extra="forbid")


def documented(body: dict | None = None, *, query: type[Query] | None = None,
               response: type[BaseModel] | None = None, items: type[BaseModel] | None = None):
    """Declare what a view accepts and answers, for the document (and, for ``query``, for
    ``isp.query.parse``, which refuses to read a model the view did not declare).

    ``body``: the JSON schema built from the fields the services check
    (``isp.validation.body_schema``); ``query``: the model of its query string; ``response``:
    the model of the object it answers (200, and 201 for a creation); ``items``: the model of
    each item of the list envelope its GET answers (``isp.pagination.api_list``).
    """

    def mark(view):
        view.openapi_body = body
        setattr(view, QUERY_ATTR, query)
        view.openapi_response = response
        view.openapi_items = items
        return view

    return mark


def _declared(view, name: str, default):
    """An attribute set by ``documented``, on the view or any function it wraps."""
    while view is not None:
        if name in getattr(view, "__dict__", {}):
            return view.__dict__[name]
        view = getattr(view, "__wrapped__", None)
    return default


class _Components:
    """The schemas of the response models, gathered under ``components.schemas``."""

    def __init__(self) -> None:
        self.schemas: dict[str, dict] = {"Error": ERROR_SCHEMA, "List": LIST_SCHEMA}

    def _add(self, name: str, schema: dict) -> None:
        if self.schemas.setdefault(name, schema) != schema:
            raise ValueError(f"two response models are named {name}; rename one")

    def ref(self, model: type[BaseModel]) -> dict:
        schema = model.model_json_schema(ref_template=_REF_TEMPLATE)
        for name, definition in schema.pop("$defs", {}).items():
            self._add(name, definition)
        self._add(model.__name__, schema)
        return {"$ref": _REF_TEMPLATE.format(model=model.__name__)}


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _operation(rule, method: str, view, components: _Components) -> dict:
    access = getattr(view, ACCESS_ATTR, None)
    doc = inspect.getdoc(inspect.unwrap(view)) or rule.endpoint
    parameters = []
    for converter, name in _CONVERTER.findall(rule.rule):
        schema = {"type": "integer"} if converter == "int" else {"type": "string"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    model = declared_query(view)
    response_model = _declared(view, "openapi_response", None)
    # A view serving GET and POST on one URL answers its list to GET, one object to POST.
    items_model = _declared(view, "openapi_items", None) if method == "GET" else None
    if items_model is not None:
        response_model = None
    is_list = items_model is not None
    query = parameter_schemas(model) if model is not None else {}
    if is_list:
        query.setdefault("page", ({"type": "integer", "minimum": 1, "maximum": 1_000_000}, False))
        query.setdefault("per_page", ({"type": "integer", "minimum": 1, "maximum": 500}, False))
    for name, (schema, required) in sorted(query.items()):
        parameters.append({"name": name, "in": "query", "required": required, "schema": schema})
    if items_model is not None:
        success_schema = {"allOf": [{"$ref": "#/components/schemas/List"}, {
            "type": "object",
            "properties": {"items": {"type": "array", "items": components.ref(items_model)}}}]}
    elif response_model is not None:
        success_schema = components.ref(response_model)
    else:  # undeclared (tests/isp/test_api_schema.py wants none)
        success_schema = JSON_OBJECT
    success = {"description": "OK", "content": {"application/json": {"schema": success_schema}}}
    responses = {"200": success, "400": _error("Bad request"), "401": _error("No valid token"),
                 "403": _error("Role not allowed"), "404": _error("Not found or out of scope"),
                 "409": _error("Conflict"), "422": _error("Rule violated or bad value")}
    operation = {"operationId": f"{method.lower()}_{rule.endpoint}", "summary": doc.split("\n")[0],
                 "description": doc, "parameters": parameters, "responses": responses,
                 "tags": [rule.endpoint.split(".")[0]]}
    if access is not None:
        operation["x-roles"] = sorted(str(role) for role in access.roles)
        operation["x-scope"] = access.scope
        if access.is_public:  # no token needed (e.g. the public requests' POST)
            operation["security"] = []
    if method == "POST":  # isp.idempotency: a retried POST with the same key creates nothing
        parameters.append({"name": "Idempotency-Key", "in": "header", "required": False,
                           "description": "Same key and same request: the first response is "
                                          "replayed; same key, other request: 422.",
                           "schema": {"type": "string", "minLength": 1, "maxLength": 255}})
    if method in ("POST", "PUT", "PATCH"):
        body = _declared(view, "openapi_body", None)
        # No declared body: the view reads none (or an object it checks itself), so any JSON
        # is as good as none; a declared one is the schema its fields check.
        operation["requestBody"] = {"required": body is not None, "content": {
            "application/json": {"schema": body or {}}}}
        created = success_schema if response_model is not None else JSON_OBJECT
        responses["201"] = {"description": "Created",
                            "content": {"application/json": {"schema": created}}}
    return operation


def build_openapi(app: Flask) -> dict:
    """The OpenAPI 3.1 document of every /api/v1 route."""
    paths: dict = {}
    components = _Components()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/v1") or rule.rule.endswith("openapi.json"):
            continue
        view = app.view_functions[rule.endpoint]
        path = _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule, method, view, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "social-isp API", "version": "1",
                 "description": "Back-office API of the social ISP. Bearer tokens from "
                                "`isp tokens create EMAIL`; the same roles and scopes as the UI."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": components.schemas},
        "paths": paths,
    }
