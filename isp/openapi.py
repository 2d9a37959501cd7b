"""The OpenAPI 3 document, generated from the code: routes, their access rules and views.

Paths and path parameters come from the URL map, summaries from the view docstrings, query
parameters from the ``request.args`` the view reads, list envelopes from ``api_list`` calls, and
the error responses from docs/design.md §4.5. Served at /api/v1/openapi.json.
"""

from __future__ import annotations

import inspect
import re

from flask import Flask

from isp.auth import ACCESS_ATTR

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_QUERY_ARG = re.compile(r"request\.args(?:\.get)?\(\s*[\"'](\w+)[\"']|request\.args\[[\"'](\w+)")

ERROR_SCHEMA = {"type": "object", "required": ["error"],
                "properties": {"error": {"type": "string"},
                               "field": {"type": ["string", "null"]}}}
LIST_SCHEMA = {"type": "object", "required": ["items", "total", "page", "per_page"],
               "properties": {"items": {"type": "array", "items": {"type": "object"}},
                              "total": {"type": "integer", "minimum": 0},
                              "page": {"type": "integer", "minimum": 1},
                              "per_page": {"type": "integer", "minimum": 1}}}
JSON_OBJECT = {"type": "object"}


def documented(body: dict | None = None, *, query: dict[str, dict] | None = None,
               required_query: tuple[str, ...] = ()):
    """Declare a view's JSON body schema and its query parameters' schemas for the document.

    Bodies are built from the fields the services check (``isp.validation.body_schema``), so
    the document states what the API accepts; query names are still found in the source.
    """

    def mark(view):
        view.openapi_body = body
        view.openapi_query = dict(query or {})
        view.openapi_required_query = tuple(required_query)
        return view

    return mark


def _declared(view, name: str, default):
    """An attribute set by ``documented``, on the view or any function it wraps."""
    while view is not None:
        if name in getattr(view, "__dict__", {}):
            return view.__dict__[name]
        view = getattr(view, "__wrapped__", None)
    return default


def _source(view) -> str:
    try:
        return inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        return ""


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _operation(rule, method: str, view) -> dict:
    source = _source(view)
    access = getattr(view, ACCESS_ATTR, None)
    doc = inspect.getdoc(inspect.unwrap(view)) or rule.endpoint
    parameters = []
    for converter, name in _CONVERTER.findall(rule.rule):
        schema = {"type": "integer"} if converter == "int" else {"type": "string"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    declared_query = _declared(view, "openapi_query", {})
    required_query = _declared(view, "openapi_required_query", ())
    query_names = sorted({a or b for a, b in _QUERY_ARG.findall(source)} | set(declared_query))
    is_list = "api_list(" in source
    if is_list:
        query_names = sorted(set(query_names) | {"page", "per_page"})
    for name in query_names:
        schema = {"type": "string"}
        if name == "page":
            schema = {"type": "integer", "minimum": 1, "maximum": 1_000_000}
        elif name == "per_page":
            schema = {"type": "integer", "minimum": 1, "maximum": 500}
        schema = declared_query.get(name, schema)
        parameters.append({"name": name, "in": "query", "required": name in required_query,
                           "schema": schema})
    success_schema = {"$ref": "#/components/schemas/List"} if is_list else JSON_OBJECT
    content_type = "text/csv" if "text/csv" in source else "application/json"
    success = {"description": "OK", "content": {content_type: {"schema": success_schema}
                                                if content_type == "application/json" else {}}}
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
        operation["requestBody"] = {"required": body is not None, "content": {
            "application/json": {"schema": body or JSON_OBJECT}}}
        responses["201"] = {"description": "Created",
                            "content": {"application/json": {"schema": JSON_OBJECT}}}
    return operation


def build_openapi(app: Flask) -> dict:
    """The OpenAPI 3.1 document of every /api/v1 route."""
    paths: dict = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/v1") or rule.rule.endswith("openapi.json"):
            continue
        view = app.view_functions[rule.endpoint]
        path = _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule, method, view)
    return {
        "openapi": "3.1.0",
        "info": {"title": "social-isp API", "version": "1",
                 "description": "Back-office API of the social ISP. Bearer tokens from "
                                "`isp tokens create EMAIL`; the same roles and scopes as the UI."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": {"Error": ERROR_SCHEMA, "List": LIST_SCHEMA}},
        "paths": paths,
    }
