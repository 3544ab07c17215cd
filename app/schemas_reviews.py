"""What the review routes answer: comments, the audit history and week reviews."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.schemas import PostPublic
from app.schemas_analysis import Finding


class CommentPublic(BaseModel):
    id: str
    post_id: str
    author: str | None
    kind: str = Field(description="comment, send_back for a lead's request for changes, or "
                                  "guest for a comment through a share link")
    body: str
    guest_name: str | None = Field(default=None, description="The name a guest gave")
    share_link_id: str | None = Field(default=None,
                                      description="The share link a guest commented through")
    created_at: str


class AuditEventPublic(BaseModel):
    id: str
    subject_type: str = Field(description="post, week, rules or channel")
    subject_id: str
    action: str
    actor: str | None
    actor_token: str | None
    note: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: str


class WeekApprovalPublic(BaseModel):
    id: str
    week: str
    channel_id: str | None
    decision: str
    reviewer: str | None
    comment: str
    override_reason: str
    review_token: str
    post_ids: list[str]
    findings: list[dict[str, Any]] = Field(description="The findings as the lead saw them")
    created_at: str


class OverCapacityPublic(BaseModel):
    code: Literal["capacity_exceeded"]
    severity: Literal["info", "warning", "blocking"]
    user_id: str
    name: str
    planned: int
    capacity: int
    message: str


class WeekReviewPublic(BaseModel):
    week: str
    start: str
    end: str
    channel_id: str | None
    review_token: str = Field(description="Send it back with the decision; refused if changed")
    gives: int
    asks: int
    on_rhythm: bool
    submitted: list[str] = Field(description="The ids of the posts waiting for review")
    posts: list[PostPublic]
    findings: list[Finding]
    over_capacity: list[OverCapacityPublic] = Field(
        default_factory=list, description="Members who planned more posts this week than "
                                          "the capacity a lead set (capacity_exceeded)")
    approvals: list[WeekApprovalPublic]


class WaitingWeek(BaseModel):
    week: str
    submitted: int
    channel_ids: list[str]
