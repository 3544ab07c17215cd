"""What the import answers: the review of a file (dry run) and the saved run."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from app.schemas import UtcOut


class ImportError_(BaseModel):
    line: int | None
    column: str
    message: str
    field: str


class ReviewRowPublic(BaseModel):
    line: int
    channel: str
    channel_id: str | None  # null: the import creates the channel
    scheduled_at: UtcOut
    local_time: str
    kind: str
    kind_from: str
    category: str | None
    text: str
    link: str | None
    status: str
    story: str | None
    episode: int | None
    skipped: bool
    notes: list[str]


class ImportReport(BaseModel):
    """A dry run: what the file holds and what saving it would do, nothing saved."""

    dry_run: bool = True
    format: str
    date_order: str | None
    rows: int
    to_create: int
    skipped: int
    errors: list[ImportError_]
    channels_to_create: list[str]
    stories_to_create: list[str]
    findings_added: list[dict[str, Any]]
    review: list[ReviewRowPublic]


class ImportRunPublic(BaseModel):
    id: str
    workspace_id: str
    format: str
    filename: str
    digest: str
    rows: int
    created: int
    skipped: int
    by_id: str | None
    by_token_id: str | None
    created_at: UtcOut


class ImportRunPage(BaseModel):
    items: list[ImportRunPublic]
