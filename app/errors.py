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

from app import i18n
from app.i18n import N_, ngettext, pgettext
from app.i18n import gettext as _


@dataclass(frozen=True, slots=True)
class FieldError:
    """One bad field: where it is (``body.kind``, ``query.start``, ``line 7, column kind``)
    and why it is bad, in words an editor or a developer understands."""

    field: str
    message: str
    extra: dict[str, Any] = dataclass_field(default_factory=dict)
    # What went wrong in no language (pydantic's error type), for a page that
    # words it its own way; never sent: the API's errors carry field and message.
    code: str = ""
    # Given by code that knows no language (the rules): ``message`` is then a
    # catalog word, marked with N_, and is worded here with these values.
    values: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.values is not None:
            object.__setattr__(self, "message", _(self.message) % self.values)

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message, **self.extra}


# Titles are marked for the catalog here and worded when the error is raised,
# in the language of the request it answers (a subclass's own title, unknown to
# the catalog, stays as it is).
class AppError(Exception):
    status: int = 400
    title: str = N_("problem", "Bad request")
    slug: str = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        extra: dict[str, Any] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        # ``values`` given: ``detail`` is a catalog word (code that knows no
        # language raised it), worded here.
        if values is not None:
            detail = _(detail) % values
        super().__init__(detail)
        self.title = pgettext("problem", type(self).title)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra or {}


class BadRequest(AppError):
    status = 400
    title = N_("problem", "Bad request")
    slug = "bad-request"


class Unauthorized(AppError):
    status = 401
    title = N_("problem", "Not signed in")
    slug = "unauthorized"


class Forbidden(AppError):
    status = 403
    title = N_("problem", "Not allowed")
    slug = "forbidden"


class NotFound(AppError):
    status = 404
    title = N_("problem", "Not found")
    slug = "not-found"


class Conflict(AppError):
    status = 409
    title = N_("problem", "Conflict")
    slug = "conflict"


class PreconditionFailed(AppError):
    status = 412
    title = N_("problem", "Changed by someone else")
    slug = "stale-version"


class TooLarge(AppError):
    status = 413
    title = N_("problem", "Request too large")
    slug = "too-large"


class TooManyRequests(AppError):
    """Slow down: try again after ``retry_after`` seconds (sent as Retry-After)."""

    status = 429
    title = N_("problem", "Too many attempts")
    slug = "too-many-requests"

    def __init__(self, detail: str, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after


class Invalid(AppError):
    status = 422
    title = N_("problem", "Invalid input")
    slug = "validation"

    @classmethod
    def one(cls, field_name: str, message: str) -> Invalid:
        return cls(f"{field_name}: {message}", errors=[FieldError(field_name, message)])

    @classmethod
    def later(cls, field_name: str, message: str, **values: Any) -> Invalid:
        """``one`` for code that knows no language: ``message`` is marked with N_
        and worded here, in the reader's language, with ``values``."""
        error = FieldError(field_name, message, values=values)
        return cls(f"{field_name}: {error.message}", errors=[error])


# ---- the one mapper from validation errors to field messages ---------------------------

# Where pydantic names a place that is not a field the client sent.
_LOCATIONS = ("body", "query", "path", "header", "cookie")


def _limit(value: Any) -> str:
    """A bound of a range check as the reader writes numbers ("2,5")."""
    if isinstance(value, float) and not value.is_integer():
        return i18n.number(value, len(repr(value).partition(".")[2]))
    return i18n.number(int(value)) if isinstance(value, int | float) else str(value)


def _choices(expected: str) -> str:
    """Pydantic's list of allowed values ("'give' or 'ask'"): the values are what
    the client sends, so only the joining word is the reader's."""
    return expected.replace("' or '", "' " + _("or") + " '")


# Pydantic's words for the checks our schemas use, keyed by its error type and
# worded in the catalog. In English they are pydantic's own (its message passes
# unchanged); a type not here keeps pydantic's English.
_WORDED: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "literal_error": lambda ctx: _("Input should be %(expected)s") % {
        "expected": _choices(str(ctx.get("expected", "")))},
    "string_too_long": lambda ctx: ngettext(
        "String should have at most %(n)d character", "String should have at most %(n)d characters",
        int(ctx["max_length"])) % {"n": int(ctx["max_length"])},
    "string_too_short": lambda ctx: ngettext(
        "String should have at least %(n)d character",
        "String should have at least %(n)d characters",
        int(ctx["min_length"])) % {"n": int(ctx["min_length"])},
    "too_long": lambda ctx: ngettext(
        "%(type)s should have at most %(n)d item after validation, not %(actual)d",
        "%(type)s should have at most %(n)d items after validation, not %(actual)d",
        int(ctx["max_length"])) % {"type": ctx.get("field_type", "Value"),
                                   "n": int(ctx["max_length"]),
                                   "actual": int(ctx.get("actual_length", 0))},
    "too_short": lambda ctx: ngettext(
        "%(type)s should have at least %(n)d item after validation, not %(actual)d",
        "%(type)s should have at least %(n)d items after validation, not %(actual)d",
        int(ctx["min_length"])) % {"type": ctx.get("field_type", "Value"),
                                   "n": int(ctx["min_length"]),
                                   "actual": int(ctx.get("actual_length", 0))},
    "greater_than_equal": lambda ctx: _("Input should be greater than or equal to %(limit)s") % {
        "limit": _limit(ctx["ge"])},
    "less_than_equal": lambda ctx: _("Input should be less than or equal to %(limit)s") % {
        "limit": _limit(ctx["le"])},
    "greater_than": lambda ctx: _("Input should be greater than %(limit)s") % {
        "limit": _limit(ctx["gt"])},
    "less_than": lambda ctx: _("Input should be less than %(limit)s") % {
        "limit": _limit(ctx["lt"])},
    "string_pattern_mismatch": lambda ctx: _("String should match pattern '%(pattern)s'") % {
        "pattern": ctx.get("pattern", "")},
    "string_type": lambda ctx: _("Input should be a valid string"),
    "int_type": lambda ctx: _("Input should be a valid integer"),
    "int_parsing": lambda ctx: _(
        "Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": lambda ctx: _(
        "Input should be a valid integer, got a number with a fractional part"),
    "float_type": lambda ctx: _("Input should be a valid number"),
    "float_parsing": lambda ctx: _(
        "Input should be a valid number, unable to parse string as a number"),
    "bool_type": lambda ctx: _("Input should be a valid boolean"),
    "bool_parsing": lambda ctx: _("Input should be a valid boolean, unable to interpret input"),
    "list_type": lambda ctx: _("Input should be a valid list"),
    "dict_type": lambda ctx: _("Input should be a valid dictionary"),
    "model_attributes_type": lambda ctx: _(
        "Input should be a valid dictionary or object to extract fields from"),
}


def _message(error: Mapping[str, Any]) -> tuple[str | None, str]:
    """The reason in the reader's words, and the field a model-level check names
    in its message ("until: must not be before starts_on"). Our validators'
    messages (value errors) come worded already: they ran in the request."""
    message = str(error["msg"] if "msg" in error else _("is invalid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    kind = error.get("type")
    if kind == "missing":
        return None, _("is required")
    if kind == "extra_forbidden":
        return None, _("is not a field of this resource")
    head, sep, rest = message.partition(": ")
    if sep and head.isidentifier() and kind == "value_error":
        return head, rest
    worded = _WORDED.get(str(kind))
    if worded is not None and i18n.current() != i18n.DEFAULT:
        try:
            return None, worded(error.get("ctx") or {})
        except (KeyError, TypeError, ValueError):
            return None, message
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
        result.append(FieldError(".".join(loc) or "body", message,
                                 code=str(error.get("type", ""))))
    return result


def invalid_from(errors: Iterable[Mapping[str, Any]]) -> Invalid:
    """One Invalid naming every bad field, for a door or service to raise."""
    found = field_errors(errors)
    summary = "; ".join(f"{e.field}: {e.message}" for e in found[:5])
    return Invalid(summary or _("Invalid input."), errors=found)


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
