"""Errors as application/problem+json (RFC 9457)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import AppError

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


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    # Pydantic reports a model-level check at the body itself; our checks name
    # their field as "field: reason", which _message() moves into place.
    return ".".join(parts)


def _message(error: dict[str, Any]) -> tuple[str | None, str]:
    message = str(error.get("msg", "is invalid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    head, sep, rest = message.partition(": ")
    if sep and head.isidentifier() and error.get("type") == "value_error":
        return head, rest
    return None, message


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        loc = list(error.get("loc", ()))
        inner, message = _message(error)
        if inner:
            loc.append(inner)
        # Body fields are named as they are in the JSON ("kind"); query and
        # header fields keep their place ("query.start").
        if loc and loc[0] == "body" and len(loc) > 1:
            loc = loc[1:]
        if error.get("type") == "missing":
            message = "is required"
        elif error.get("type") == "extra_forbidden":
            message = "is not a field of this resource"
        errors.append({"field": _field_name(loc), "message": message})
    return errors


def validation_response(exc: RequestValidationError) -> JSONResponse:
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        return problem(
            400, "Malformed JSON", "The request body is not valid JSON.", slug="malformed-json",
            errors=[{"field": "body", "message": "is not valid JSON"}],
        )
    errors = validation_errors(exc)
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem(422, "Invalid input", summary, slug="validation", errors=errors)


def http_error_response(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    titles = {404: "Not found", 405: "Method not allowed", 413: "Request too large"}
    detail = exc.detail if isinstance(exc.detail, str) else "Request failed."
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"Nothing at {request.url.path}."
    return problem(
        exc.status_code, titles.get(exc.status_code, "Error"), detail,
        slug=f"http-{exc.status_code}", headers=getattr(exc, "headers", None),
    )


def internal_error_response() -> JSONResponse:
    return problem(
        500, "Internal error", "Something went wrong on our side; nothing was saved.",
        slug="internal",
    )
