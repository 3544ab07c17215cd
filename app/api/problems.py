"""Errors as application/problem+json (RFC 9457)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import get_route_path

from app.errors import AppError, field_errors
from app.i18n import gettext as _
from app.i18n import pgettext

log = logging.getLogger("giveask")
PROBLEM = "application/problem+json"
TYPE_BASE = "https://giveask.app/problems/"


def problem(
    status: int, title: str, detail: str, *, slug: str, errors: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Bearer realm="giveask"'}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def app_error_response(exc: AppError) -> JSONResponse:
    return problem(
        exc.status, exc.title, exc.detail, slug=exc.slug,
        errors=[e.as_dict() for e in exc.errors], extra=exc.extra,
    )


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [e.as_dict() for e in field_errors(exc.errors())]


def validation_response(exc: RequestValidationError) -> JSONResponse:
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        return problem(
            400, pgettext("problem", "Malformed JSON"), _("The request body is not valid JSON."),
            slug="malformed-json", errors=[{"field": "body", "message": _("is not valid JSON")}],
        )
    errors = validation_errors(exc)
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem(422, pgettext("problem", "Invalid input"), summary, slug="validation",
                   errors=errors)


def allowed_methods(request: Request) -> list[str]:
    """Every method of the resource at this path. Starlette's 405 names only the
    methods of the first route whose path matched, and FastAPI makes one route
    per method, so ``Allow`` would say GET where PATCH and DELETE work too. The
    resource is the first path template that matches, as in the API document:
    ``/posts/submit-week`` is not a ``/posts/{post_id}``."""
    path = get_route_path(request.scope)
    template: str | None = None
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        regex = getattr(route, "path_regex", None)
        if not route.methods or regex is None or not regex.match(path):
            continue
        template = template or route.path_format
        if route.path_format == template:
            methods |= route.methods
    return sorted(methods)


def http_error_response(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    titles = {404: pgettext("problem", "Not found"),
              405: pgettext("problem", "Method not allowed"),
              413: pgettext("problem", "Request too large")}
    detail = exc.detail if isinstance(exc.detail, str) else _("Request failed.")
    if exc.status_code == 404 and detail == "Not Found":
        detail = _("Nothing at %(path)s.") % {"path": request.url.path}
    elif exc.status_code == 405 and detail == "Method Not Allowed":
        detail = _("Method Not Allowed")
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request)) or headers.get("Allow", "")
    return problem(
        exc.status_code, titles.get(exc.status_code, pgettext("problem", "Error")), detail,
        slug=f"http-{exc.status_code}", headers=headers or None,
    )


def internal_error_response() -> JSONResponse:
    return problem(
        500, pgettext("problem", "Internal error"),
        _("Something went wrong on our side; nothing was saved."),
        slug="internal",
    )
