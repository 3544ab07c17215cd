"""The post lifecycle, comments, week approvals and the audit history."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.http import created
from app.auth import EditorAccess, LeadAccess, ViewerAccess
from app.db import SessionDep
from app.models import AuditEvent, Comment, WeekApproval
from app.routers import Router
from app.schemas import AwareDatetime, Page, PostPublic, format_utc
from app.schemas_reviews import (
    AuditEventPublic,
    CommentPublic,
    WaitingWeek,
    WeekApprovalPublic,
    WeekReviewPublic,
)
from app.services import approvals, audit, lifecycle
from app.services import posts as post_service
from app.services.posts import get_post

router = Router(prefix="/api/v1/workspaces/{workspace_id}", tags=["review"])
# Documented for clients and fuzzers; parse_iso_week decides, with its own message.
ISO_WEEK: dict[str, Any] = {"pattern": "^[0-9]{4}-W[0-9]{2}$", "examples": ["2026-W48"]}


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    override_reason: str | None = Field(
        default=None, max_length=2000,
        description="Needed when the post is named by a blocking finding; kept with the approval.")


class RequestChangesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field(max_length=5000, description="What should change; the editor sees it.")


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    external_url: str | None = Field(default=None, max_length=2048)
    published_at: AwareDatetime | None = None


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(max_length=5000)


class WeekSubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    week: str = Field(description="ISO week, e.g. 2026-W48", json_schema_extra=ISO_WEEK)
    channel_id: str | None = None


class WeekDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "week": "2026-W48", "decision": "approve", "review_token": "…",
        "override_reason": "The sale was agreed with the client."}]})
    week: str = Field(description="ISO week, e.g. 2026-W48", json_schema_extra=ISO_WEEK)
    channel_id: str | None = Field(default=None, description="One channel, or all when absent")
    decision: Literal["approve", "send_back"]
    comment: str = Field(default="", max_length=5000)
    override_reason: str | None = Field(default=None, max_length=2000)
    review_token: str | None = Field(
        default=None, description="The token of the week you reviewed; refused if it changed.")


def _post(post: Any) -> PostPublic:
    return post_service.to_public(post)


@router.post("/posts/{post_id}/submit", response_model=PostPublic)
def submit_post(post_id: str, access: EditorAccess, session: SessionDep) -> PostPublic:
    """Send a draft (or a post sent back for changes) to review."""
    return _post(lifecycle.submit(session=session, access=access, post_id=post_id))


@router.post("/posts/{post_id}/approve", response_model=PostPublic)
def approve_post(post_id: str, access: LeadAccess, session: SessionDep,
                 data: ApproveIn | None = None) -> PostPublic:
    """Approve a submitted post (lead), or a correction in any status before approved
    (docs/rules.md, "Corrections"). A post named by a blocking finding needs an
    override reason; a lead may not approve their own post unless the workspace allows."""
    return _post(lifecycle.approve(session=session, access=access, post_id=post_id,
                                   override_reason=data.override_reason if data else None))


@router.post("/posts/{post_id}/request-changes", response_model=PostPublic)
def request_changes(post_id: str, data: RequestChangesIn, access: LeadAccess,
                    session: SessionDep) -> PostPublic:
    """Send a submitted post back with a comment the editor sees on the post."""
    return _post(lifecycle.request_changes(session=session, access=access, post_id=post_id,
                                           comment=data.comment))


@router.post("/posts/{post_id}/publish", response_model=PostPublic)
def publish_post(post_id: str, access: EditorAccess, session: SessionDep,
                 data: PublishIn | None = None) -> PostPublic:
    """Report that an approved post went out; idempotent."""
    return _post(lifecycle.publish(
        session=session, access=access, post_id=post_id,
        external_url=data.external_url if data else None,
        published_at=data.published_at if data else None))


@router.post("/posts/submit-week", response_model=Page[PostPublic])
def submit_week(data: WeekSubmitIn, access: EditorAccess, session: SessionDep) -> dict[str, Any]:
    """Submit every draft and sent-back post of an ISO week (all channels or one)."""
    posts = approvals.submit_week(session=session, access=access, week=data.week,
                                  channel_id=data.channel_id)
    return {"items": [_post(p).model_dump(mode="json") for p in posts], "next_cursor": None}


def _comment(comment: Comment) -> dict[str, Any]:
    return {"id": comment.id, "post_id": comment.post_id, "author": comment.author_id,
            "kind": comment.kind, "body": comment.body, "guest_name": comment.guest_name,
            "share_link_id": comment.share_link_id,
            "created_at": format_utc(comment.created_at)}


@router.get("/posts/{post_id}/comments", response_model=Page[CommentPublic])
def list_comments(post_id: str, access: ViewerAccess, session: SessionDep) -> dict[str, Any]:
    rows = lifecycle.comments(session=session, access=access, post_id=post_id)
    return {"items": [_comment(c) for c in rows], "next_cursor": None}


@router.post("/posts/{post_id}/comments", status_code=201, response_model=CommentPublic)
def add_comment(request: Request, workspace_id: str, post_id: str, data: CommentIn,
                access: EditorAccess, session: SessionDep) -> Response:
    comment = lifecycle.add_comment(session=session, access=access, post_id=post_id,
                                    body=data.body)

    class _Out(BaseModel):
        model_config = ConfigDict(extra="allow")

    return created(request, _Out(**_comment(comment)),
                   f"/api/v1/workspaces/{workspace_id}/posts/{post_id}/comments")


def _event(event: AuditEvent) -> dict[str, Any]:
    return {"id": event.id, "subject_type": event.subject_type, "subject_id": event.subject_id,
            "action": event.action, "actor": event.actor_id, "actor_token": event.actor_token_id,
            "note": event.note, "before": event.before, "after": event.after,
            "at": format_utc(event.at)}


@router.get("/posts/{post_id}/history", response_model=Page[AuditEventPublic])
def get_post_history(post_id: str, access: ViewerAccess, session: SessionDep,
                 limit: Annotated[int | None, Query(ge=1, le=500)] = None,
                 cursor: str | None = None) -> dict[str, Any]:
    """Who did what to this post and when, newest first (kept after deletion too);
    `next_cursor` pages to older events."""
    events, next_cursor = audit.history_page(session=session, access=access,
                                             subject_type="post", subject_id=post_id,
                                             limit=limit, cursor=cursor)
    if not events and not cursor:
        get_post(session=session, access=access, post_id=post_id)
    return {"items": [_event(e) for e in events], "next_cursor": next_cursor}


HistorySubject = Literal["post", "week", "rules", "series", "member", "invitation", "finding"]


@router.get("/audit", response_model=Page[AuditEventPublic])
def list_audit_events(access: ViewerAccess, session: SessionDep,
              subject_type: Annotated[HistorySubject | None, Query()] = None,
              subject_id: str | None = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 200,
              cursor: str | None = None) -> dict[str, Any]:
    """The workspace's audit history, newest first; `next_cursor` pages to older
    events."""
    events, next_cursor = audit.history_page(session=session, access=access,
                                             subject_type=subject_type, subject_id=subject_id,
                                             limit=limit, cursor=cursor)
    return {"items": [_event(e) for e in events], "next_cursor": next_cursor}


def _approval(approval: WeekApproval) -> dict[str, Any]:
    return {"id": approval.id, "week": approval.week, "channel_id": approval.channel_id,
            "decision": approval.decision, "reviewer": approval.reviewer_id,
            "comment": approval.comment, "override_reason": approval.override_reason,
            "review_token": approval.review_token, "post_ids": approval.post_ids,
            "findings": approval.findings, "created_at": format_utc(approval.created_at)}


def _review(review: approvals.WeekReview) -> dict[str, Any]:
    return {"week": review.week, "start": format_utc(review.start),
            "end": format_utc(review.end), "channel_id": review.channel_id,
            "review_token": review.review_token, "gives": review.gives, "asks": review.asks,
            "on_rhythm": review.on_rhythm,
            "submitted": [p.id for p in review.submitted],
            "posts": [_post(p).model_dump(mode="json") for p in review.posts],
            "findings": review.finding_dicts(),
            "over_capacity": [o.as_dict() for o in review.over_capacity],
            "approvals": [_approval(a) for a in review.approvals]}


@router.get("/weeks", response_model=Page[WaitingWeek])
def list_waiting_weeks(access: ViewerAccess, session: SessionDep) -> dict[str, Any]:
    """Weeks with submitted posts, waiting for a lead: the approvals queue."""
    weeks = approvals.weeks_waiting(session=session, access=access)
    return {"items": [{"week": w["week"], "submitted": w["submitted"],
                       "channel_ids": w["channel_ids"]} for w in weeks], "next_cursor": None}


@router.get("/weeks/{week}", response_model=WeekReviewPublic)
def get_week(week: Annotated[str, Path(description="ISO week, e.g. 2026-W48",
                                       json_schema_extra=ISO_WEEK)],
             access: ViewerAccess, session: SessionDep,
             channel_id: str | None = None) -> dict[str, Any]:
    """An ISO week as a lead reviews it: its posts, findings, gauge and review token."""
    return _review(approvals.week_review(session=session, access=access, week=week,
                                         channel_id=channel_id))


@router.get("/week-approvals", response_model=Page[WeekApprovalPublic])
def list_week_approvals(access: ViewerAccess, session: SessionDep,
                        week: Annotated[str | None, Query(json_schema_extra=ISO_WEEK)] = None,
                        channel_id: str | None = None) -> dict[str, Any]:
    rows = approvals.recent_decisions(session=session, access=access, limit=500, week=week,
                                      channel_id=channel_id)
    return {"items": [_approval(a) for a in rows], "next_cursor": None}


@router.post("/week-approvals", status_code=201, response_model=WeekApprovalPublic)
def decide_week(request: Request, workspace_id: str, data: WeekDecisionIn, access: LeadAccess,
                session: SessionDep) -> Response:
    """Approve or send back an ISO week (Monday 00:00 to Monday 00:00 in the workspace's
    zone), for all channels or one. A week with a blocking finding needs an override
    reason (409 lists the findings); nothing submitted is a 409; a changed week
    (stale review_token) is a 409."""
    approval = approvals.decide(session=session, access=access, week=data.week,
                                channel_id=data.channel_id, decision=data.decision,
                                comment=data.comment, override_reason=data.override_reason,
                                token=data.review_token)

    class _Out(BaseModel):
        model_config = ConfigDict(extra="allow")

    return created(request, _Out(**_approval(approval)),
                   f"/api/v1/workspaces/{workspace_id}/week-approvals?week={approval.week}")
