"""One error hierarchy for the whole app.

Services raise these; each door renders them its own way: the API as
``application/problem+json`` (RFC 9457), the web pages as a message in the page
or next to the field. Nothing else should decide a status code.
"""

from __future__ import annotations

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


class Invalid(AppError):
    status = 422
    title = "Invalid input"
    slug = "validation"

    @classmethod
    def one(cls, field_name: str, message: str) -> Invalid:
        return cls(f"{field_name}: {message}", errors=[FieldError(field_name, message)])
