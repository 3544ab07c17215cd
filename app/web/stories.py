"""Story pages: the workspace's stories, and one story with its episodes on a
timeline and its pacing findings. Plain forms (no JavaScript needed): a save
redirects back, a refusal re-renders the page with the reason next to the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.db import SessionDep, savepoint
from app.errors import AppError, PreconditionFailed
from app.i18n import gettext as _
from app.i18n import ngettext
from app.models import Post, Story
from app.routers import Router
from app.schemas_stories import StoryCreate, StoryUpdate
from app.services import stories as service
from app.services.access import Access
from app.services.channels import channel_names
from app.web.deps import CsrfChecked, CurrentUser, WebAccess
from app.web.forms import Form, optional_number, parse, read_form, version_of
from app.web.nav import nav
from app.web.render import render

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)

STORY_FIELDS = ("name", "goal", "min_gap_days", "max_gap_days", "min_gives_before_ask")
# Where a finding is drawn on the timeline: a gap on the episode after it.
GAP_CODES = ("story_stalled", "story_rushed")


# ---- the stories page ----------------------------------------------------------------


def pace_words(story: Story) -> str:
    """The story's rules in an editor's words."""
    low, high = _text(story.min_gap_days), _text(story.max_gap_days)
    parts = []
    if low and high:
        parts.append(_("episodes %(low)s to %(high)s days apart") % {"low": low, "high": high})
    elif low:
        parts.append(_("at least %(low)s days between episodes") % {"low": low})
    elif high:
        parts.append(_("at most %(high)s days between episodes") % {"high": high})
    if story.min_gives_before_ask is not None:
        gives = story.min_gives_before_ask
        parts.append(ngettext("an ask only after %(n)s give episodes",
                              "an ask only after %(n)s give episodes", gives) % {"n": gives})
    return "; ".join(parts) if parts else _("no pacing rules")


@dataclass
class StoryRow:
    story: Story
    episodes: int
    first: datetime | None
    last: datetime | None

    @property
    def pace(self) -> str:
        return pace_words(self.story)


def _rows(session: Session, access: Access) -> list[StoryRow]:
    stories = service.all_stories(session=session, access=access)
    spans = service.episode_spans(session=session, access=access)
    rows = []
    for story in stories:
        span = spans.get(story.id)
        rows.append(StoryRow(story=story, episodes=span.episodes if span else 0,
                             first=span.first if span else None,
                             last=span.last if span else None))
    return rows


def _list_page(request: Request, session: Session, access: Access, user: Any, form: Form,
               status: int = 200) -> Response:
    return render(request, "stories.html", {
        "user": user, "access": access, "workspace": access.workspace,
        "nav": nav(session, access, "stories"), "rows": _rows(session, access),
        "form": form, "can_edit": access.can("editor"),
        "tz": ZoneInfo(access.workspace.timezone)}, status_code=status)


@router.get("/stories", response_class=HTMLResponse)
def stories_page(request: Request, access: WebAccess, user: CurrentUser,
                 session: SessionDep) -> Response:
    return _list_page(request, session, access, user, Form(values={}))


def _story_data(form: Form) -> dict[str, Any]:
    data: dict[str, Any] = {"name": form.get("name"), "goal": form.get("goal")}
    for name in ("min_gap_days", "max_gap_days", "min_gives_before_ask"):
        optional_number(form, name, data)
    return data


@router.post("/stories", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def create_story(request: Request, access: WebAccess, user: CurrentUser,
                       session: SessionDep) -> Response:
    access.require("editor")
    form = await read_form(request, STORY_FIELDS)
    data = _story_data(form)
    model = parse(StoryCreate, form, data) if not form.errors else None
    if model is not None:
        try:
            with savepoint(session):
                story = service.create_story(session=session, access=access, data=model)
        except AppError as exc:
            form.take(exc)
        else:
            return RedirectResponse(f"/w/{access.workspace.id}/stories/{story.id}",
                                    status_code=303)
    return _list_page(request, session, access, user, form, status=422)


# ---- one story -------------------------------------------------------------------------


@dataclass
class Episode:
    post: Post
    local: datetime
    channel: str
    findings: list[dict[str, Any]]
    days_since: float | None


def story_context(session: Session, access: Access, story: Story) -> dict[str, Any]:
    tz = ZoneInfo(access.workspace.timezone)
    posts = service.episodes(session=session, access=access, story_id=story.id)
    findings = [f.as_dict() for f in service.findings(session=session, access=access,
                                                      story=story)]
    by_post: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        targets = finding["post_ids"][-1:] if finding["code"] in GAP_CODES \
            else finding["post_ids"]
        for post_id in targets:
            by_post.setdefault(post_id, []).append(finding)
    channels = channel_names(session=session, access=access)
    episodes, previous = [], None
    for post in posts:
        local = post.scheduled_at.astimezone(tz)
        gap = None
        if previous is not None:
            gap = round((local.replace(tzinfo=None) - previous).total_seconds() / 86400, 1)
        episodes.append(Episode(post=post, local=local, channel=channels.get(post.channel_id, "?"),
                                findings=by_post.get(post.id, []), days_since=gap))
        previous = local.replace(tzinfo=None)
    return {"story": story, "episodes": episodes, "findings": findings, "tz": tz,
            "pace": pace_words(story)}


def _story_page(request: Request, session: Session, access: Access, user: Any, story: Story,
                form: Form | None = None, status: int = 200) -> Response:
    if form is None:
        form = Form(values={name: _text(getattr(story, name)) for name in STORY_FIELDS})
        form.values["version"] = str(story.version)
    return render(request, "story.html", {
        "user": user, "access": access, "workspace": access.workspace,
        "nav": nav(session, access, "stories"), "form": form,
        "can_edit": access.can("editor"), **story_context(session, access, story)},
        status_code=status)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, story_id: str, access: WebAccess, user: CurrentUser,
               session: SessionDep) -> Response:
    story = service.get_story(session=session, access=access, story_id=story_id)
    return _story_page(request, session, access, user, story)


@router.post("/stories/{story_id}", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def update_story(request: Request, story_id: str, access: WebAccess, user: CurrentUser,
                       session: SessionDep) -> Response:
    access.require("editor")
    story = service.get_story(session=session, access=access, story_id=story_id)
    form = await read_form(request, STORY_FIELDS)
    data = _story_data(form)
    model = parse(StoryUpdate, form, data) if not form.errors else None
    if model is not None:
        try:
            with savepoint(session):
                service.update_story(session=session, access=access, story_id=story_id,
                                     data=model, if_match=version_of(form))
        except PreconditionFailed:
            story = service.get_story(session=session, access=access, story_id=story_id)
            fresh = Form(values={name: _text(getattr(story, name)) for name in STORY_FIELDS})
            fresh.values["version"] = str(story.version)
            fresh.message = _("Someone else changed this story while you were editing. This "
                              "is the story as it is now; make your change again.")
            return _story_page(request, session, access, user, story, fresh, status=412)
        except AppError as exc:
            form.take(exc)
        else:
            return RedirectResponse(f"/w/{access.workspace.id}/stories/{story_id}",
                                    status_code=303)
    return _story_page(request, session, access, user, story, form, status=422)


@router.post("/stories/{story_id}/delete", response_class=HTMLResponse,
             dependencies=[CsrfChecked])
async def delete_story(request: Request, story_id: str, access: WebAccess,
                       session: SessionDep) -> Response:
    access.require("editor")
    service.delete_story(session=session, access=access, story_id=story_id, if_match=None)
    return RedirectResponse(f"/w/{access.workspace.id}/stories", status_code=303)
