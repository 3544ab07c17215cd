"""What the share-links API takes and answers: a read-only view of a week or a
range for someone without an account, behind a secret link shown once."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from app.schemas import AwareDatetime, Count, Day, Strict, UtcOut

ShareStatus = Literal["active", "expired", "revoked"]


class ShareLinkCreate(Strict):
    """The range is ``starts_on``..``ends_on`` (local dates, both included), or an
    ISO ``week`` instead. The link works until ``expires_at``, or for
    ``expires_in_days`` days (14 when neither is given)."""

    starts_on: Day | None = None
    ends_on: Day | None = None
    week: str | None = Field(default=None, max_length=10,
                             description="An ISO week like 2026-W51, instead of the dates")
    channel_id: str | None = Field(default=None, max_length=36,
                                   description="Only this channel's posts; all when left out")
    label: str = Field(default="", max_length=120,
                       description="Who or what the link is for, shown on the shared page")
    expires_at: AwareDatetime | None = None
    expires_in_days: Count | None = Field(default=None, ge=1, le=90)
    allow_comments: bool = True


class ShareLinkPublic(BaseModel):
    id: str
    label: str
    channel_id: str | None
    starts_on: date
    ends_on: date
    allow_comments: bool
    prefix: str = Field(description="The start of the secret, to tell links apart")
    status: ShareStatus
    guest_comments: int = Field(description="Comments guests left through this link")
    expires_at: UtcOut
    created_by: str | None
    created_at: UtcOut
    revoked_at: UtcOut | None


class ShareLinkCreated(ShareLinkPublic):
    url: str = Field(description="The link to pass on. Shown once; only a hash is stored.")
