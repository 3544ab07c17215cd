"""The OpenAPI document, true to what the API answers.

FastAPI documents a route's success and a 422 of its own shape. Every other
status a route can answer follows from what the route is made of, so it is
derived here from the route table in one place instead of being written on
each decorator: who may call it (its access dependency), its method, its path
parameters, an ``If-Match`` header, a body. Each is documented with the one
problem+json body the API sends (:class:`app.schemas_problem.Problem`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from app.api.problems import PROBLEM
from app.auth import get_principal
from app.schemas_problem import Problem

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]
SECURITY_SCHEMES: dict[str, Any] = {
    "bearer": {
        "type": "http", "scheme": "bearer",
        "description": "An API token: `giveask token create`, or the workspace's Tokens page.",
    },
    "session": {
        "type": "apiKey", "in": "cookie", "name": "giveask_session",
        "description": "The signed-in browser's session. A write also needs the page's "
                       "`X-CSRF-Token` header.",
    },
}

PROBLEM_DESCRIPTIONS = {
    400: "Malformed JSON, or an If-Match that is not an ETag of this API.",
    401: "No credentials, or a token that is unknown, revoked or malformed.",
    403: "Your role may not do this (the problem names `role` and `required_role`), or a "
         "cookie-signed write without its CSRF header.",
    404: "No such resource in this workspace. Another workspace's ids look exactly the same.",
    409: "Refused by the resource's state: a published post, a week already decided, a "
         "name in use.",
    412: "If-Match names a version that is no longer current: read again, then retry.",
    413: "The request body is larger than the limit.",
    422: "Invalid input: `errors` names each bad field and why. Nothing was saved.",
    503: "The database is unavailable or busy; retry after `Retry-After` seconds.",
}
PROBLEM_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    503: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
}


def route_operation_id(route: APIRoute) -> str:
    """A route's operationId is its function's name (``list_posts``), so a
    generated client reads as the API's own vocabulary."""
    return route.name


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _all_params(dependant: Dependant, kind: str) -> list[Any]:
    found = list(getattr(dependant, kind))
    for sub in dependant.dependencies:
        found.extend(_all_params(sub, kind))
    return found


def signs_in(calls: list[Callable[..., Any]]) -> bool:
    """Whether a route asks who is calling (the role checks do, themselves)."""
    return get_principal in calls or _required_role(calls) is not None


def _required_role(calls: list[Callable[..., Any]]) -> str | None:
    for call in calls:
        name = getattr(call, "__name__", "")
        if name.startswith("require_"):
            return name.removeprefix("require_")
    return None


def problem_statuses(route: Any, method: str) -> set[int]:
    """The error statuses a route can answer, from what it is made of."""
    dependant: Dependant = route.dependant
    calls = list(_calls(dependant))
    authenticated = signs_in(calls)
    headers = {getattr(p, "alias", p.name).lower() for p in _all_params(dependant, "header_params")}
    has_body = route.body_field is not None
    # 422 everywhere: NUL bytes and lone surrogates in any path, query or header
    # are refused before routing (app.input_guard), whatever the route declares.
    statuses = {422, 503}
    if authenticated:
        statuses.add(401)
        if method not in SAFE_METHODS or _required_role(calls) not in (None, "viewer"):
            statuses.add(403)
    if _all_params(dependant, "path_params"):
        statuses.add(404)
    if method in WRITE_METHODS and authenticated:
        statuses.add(409)
    if "if-match" in headers:
        statuses |= {400, 412}
    if has_body:
        statuses |= {400, 413}
    return statuses


def _without_null(parameter: dict[str, Any]) -> None:
    """An optional parameter is left out, never sent as JSON null: on the wire a
    null would be the text "null". FastAPI writes ``str | None`` as
    ``anyOf: [string, null]``; keep the string."""
    schema = parameter.get("schema", {})
    branches = schema.get("anyOf")
    if not branches or {"type": "null"} not in branches:
        return
    rest = [branch for branch in branches if branch != {"type": "null"}]
    del schema["anyOf"]
    if len(rest) == 1:
        schema.update({key: value for key, value in rest[0].items() if key not in schema})
    else:
        schema["anyOf"] = rest


JSON_SCHEMA_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum",
                      "lt": "exclusiveMaximum"}


def _standard_bounds(node: Any) -> None:
    """Pydantic writes a bound of an optional number with a before-validator
    (``Count | None = Field(ge=1)``) under its own name, ``ge``, which no JSON
    Schema reader knows; give it the standard one, so clients and fuzzers see it."""
    if isinstance(node, dict):
        if node.get("type") in ("integer", "number"):
            for ours, standard in JSON_SCHEMA_BOUNDS.items():
                if ours in node:
                    node.setdefault(standard, node.pop(ours))
        for value in node.values():
            _standard_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _standard_bounds(value)


def _problem_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": PROBLEM_DESCRIPTIONS[status],
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status in PROBLEM_HEADERS:
        response["headers"] = PROBLEM_HEADERS[status]
    return response


def _add_problem_schemas(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}",
                                        mode="serialization")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    # FastAPI's own 422 shape is never sent: every 422 is a Problem.
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["securitySchemes"] = SECURITY_SCHEMES


def document(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description,
        routes=app.routes, tags=app.openapi_tags, servers=app.servers,
    )
    seen: dict[str, str] = {}
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute) or not context.include_in_schema:
            continue
        for method in sorted(context.methods or ()):
            operation = schema["paths"][context.path_format][method.lower()]
            operation_id = operation["operationId"]
            if operation_id in seen:
                raise RuntimeError(f"operationId {operation_id!r} of {method} "
                                   f"{context.path_format} is also {seen[operation_id]}")
            seen[operation_id] = f"{method} {context.path_format}"
            for parameter in operation.get("parameters", []):
                _without_null(parameter)
            statuses = problem_statuses(context, method)
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status in sorted(statuses):
                responses.setdefault(str(status), _problem_response(status))
            if signs_in(list(_calls(context.dependant))):
                operation["security"] = SECURITY
            # A route that takes the Response sets its ETag there (see app.api.http).
            read = responses.get("200")
            if read is not None and context.dependant.response_param_name:
                read.setdefault("headers", {})["ETag"] = {
                    "description": "The version; send it back as If-Match",
                    "schema": {"type": "string"}}
            created = responses.get("201")
            if created is not None:
                created.setdefault("headers", {})["Location"] = {
                    "description": "The new resource's URL", "schema": {"type": "string"}}
    _add_problem_schemas(schema)
    _standard_bounds(schema.get("components", {}))
    return schema


def install(app: FastAPI) -> None:
    """Serve :func:`document` as the app's ``/openapi.json``, built once."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
