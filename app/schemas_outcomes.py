"""Request and response bodies of a published post's outcome and its CSV import."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from app.i18n import gettext as _
from app.schemas import Strict, UtcOut

FIGURES = ("reach", "impressions", "engagements", "clicks", "conversions")
# Far above any post's reach, far below a BIGINT's limit.
FIGURE_MAX = 10**12


def whole_text() -> str:
    return _("a whole number, like 1200")


def _whole(value: Any) -> Any:
    # JSON's true and 12.0 are no counts; pydantic would read them as 1 and 12.
    if isinstance(value, bool):
        raise ValueError(_("a number, not true or false"))
    if isinstance(value, float):
        raise ValueError(whole_text())
    return value


_Count = Annotated[int, Field(ge=0, le=FIGURE_MAX, strict=True)]
Figure = Annotated[
    _Count | None,
    BeforeValidator(_whole),
    Field(description=f"a whole number from 0 to {FIGURE_MAX:,}; null: not known"),
]


class OutcomeIn(Strict):
    """The whole outcome of a post: a figure left out or null is not known."""

    reach: Figure = None
    impressions: Figure = None
    engagements: Figure = None
    clicks: Figure = None
    conversions: Figure = None


class OutcomePublic(BaseModel):
    post_id: str
    reach: int | None
    impressions: int | None
    engagements: int | None
    clicks: int | None
    conversions: int | None
    version: int = Field(description="0 while nothing was entered yet; send it as If-Match")
    updated_at: UtcOut | None = Field(description="null while nothing was entered yet")
    updated_by: str | None


class OutcomeImportError(BaseModel):
    line: int | None
    column: str
    message: str
    field: str


class OutcomeImportRow(BaseModel):
    line: int
    post_id: str
    channel_id: str
    scheduled_at: UtcOut
    figures: dict[str, int | None] = Field(
        description="the columns the file has, by name; null: the cell was empty (cleared)")


class OutcomeImportReport(BaseModel):
    """What the file holds and what it changes (with ``dry_run``: would change)."""

    dry_run: bool
    date_order: str | None
    columns: list[str] = Field(description="the figures the file sets")
    rows: int
    updated: int = Field(description="posts whose outcome is (or would be) written")
    errors: list[OutcomeImportError]
    review: list[OutcomeImportRow]
