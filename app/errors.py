"""One error hierarchy for the whole app.

Services raise these; each door renders them its own way: the API as
``application/problem+json`` (RFC 9457), the web pages as a message in the page
or next to the field. Nothing else should decide a status code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldError:
    """One bad field: where it is (``body.kind``, ``query.start``, ``line 7, column kind``)
    and why it is bad, in words an editor or a developer understands."""

    field: str
    message: str
    extra: dict[str, Any] = dataclass_field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message, **self.extra}


class AppError(Exception):
    status: int = 400
    title: str = "Bad request"
    slug: str = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra or {}


class BadRequest(AppError):
    status = 400
    title = "Bad request"
    slug = "bad-request"


class Unauthorized(AppError):
    status = 401
    title = "Not signed in"
    slug = "unauthorized"


class Forbidden(AppError):
    status = 403
    title = "Not allowed"
    slug = "forbidden"


class NotFound(AppError):
    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(AppError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class PreconditionFailed(AppError):
    status = 412
    title = "Changed by someone else"
    slug = "stale-version"


class TooLarge(AppError):
    status = 413
    title = "Request too large"
    slug = "too-large"


class TooManyRequests(AppError):
    """Slow down: try again after ``retry_after`` seconds (sent as Retry-After)."""

    status = 429
    title = "Too many attempts"
    slug = "too-many-requests"

    def __init__(self, detail: str, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after


class Invalid(AppError):
    status = 422
    title = "Invalid input"
    slug = "validation"

    @classmethod
    def one(cls, field_name: str, message: str) -> Invalid:
        return cls(f"{field_name}: {message}", errors=[FieldError(field_name, message)])


# ---- the one mapper from validation errors to field messages ---------------------------

# Where pydantic names a place that is not a field the client sent.
_LOCATIONS = ("body", "query", "path", "header", "cookie")


def _message(error: Mapping[str, Any]) -> tuple[str | None, str]:
    """The reason in words, and the field a model-level check names in its
    message ("until: must not be before starts_on")."""
    message = str(error.get("msg", "is invalid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    kind = error.get("type")
    if kind == "missing":
        return None, "is required"
    if kind == "extra_forbidden":
        return None, "is not a field of this resource"
    head, sep, rest = message.partition(": ")
    if sep and head.isidentifier() and kind == "value_error":
        return head, rest
    return None, message


def field_errors(errors: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    """Pydantic's errors (of a model, or of FastAPI's request validation) as
    FieldErrors. Body fields are named as they are in the JSON (``kind``,
    ``channels.0.name``); query, path and header fields keep their place
    (``query.start``)."""
    result = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        inner, message = _message(error)
        if inner:
            loc.append(inner)
        if len(loc) > 1 and loc[0] == "body":
            loc = loc[1:]
        result.append(FieldError(".".join(loc) or "body", message))
    return result


def invalid_from(errors: Iterable[Mapping[str, Any]]) -> Invalid:
    """One Invalid naming every bad field, for a door or service to raise."""
    found = field_errors(errors)
    summary = "; ".join(f"{e.field}: {e.message}" for e in found[:5])
    return Invalid(summary or "Invalid input.", errors=found)


def relocated(exc: Any, place: Callable[[Mapping[str, Any]], tuple[Any, ...]]) -> Exception:
    """A pydantic ValidationError with each error moved to the place ``place``
    names (a union's tag left out of the path, say), or the error as it was when
    pydantic cannot rebuild it."""
    from pydantic import ValidationError

    errors: list[Any] = []
    for error in exc.errors():
        detail = {"type": error["type"], "loc": place(error), "input": error["input"]}
        if "ctx" in error:
            detail["ctx"] = error["ctx"]
        errors.append(detail)
    try:
        return ValidationError.from_exception_data(exc.title, errors)
    except (KeyError, TypeError, ValueError):
        return exc
