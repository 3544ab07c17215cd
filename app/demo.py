"""The demo workspace "Demo Café": three channels and eight weeks of posts
around today, one channel on rhythm and one asking far too often, after four
weeks of history whose published posts carry their results (seeded, so every
run gives the same figures), so the give/ask report has a picture to show."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from app.models import Channel, Post, PostOutcome, Workspace
from app.schemas import WorkspaceCreate
from app.services import users
from app.services.workspaces import create_workspace

DEMO_NAME = "Demo Café"
DEMO_TZ = "Europe/Berlin"
DEMO_PASSWORDS = {
    "admin": "demo-admin-2026",
    "lead": "demo-lead-2026",
    "editor": "demo-editor-2026",
    "viewer": "demo-viewer-2026",
}
DEMO_EMAIL = "{role}@demo.giveask.test"

GIVES = [
    ("share", "Five roasters in town who taught us something about beans this year. A thread."),
    ("help", "How to dial in a pour-over at home in three steps, no fancy scale needed."),
    ("engage", "Oat, almond or whole milk in your flat white? Tell us in the comments."),
    ("personal", "Behind the counter: Lena has been pulling shots here for five years today."),
    ("share", "Our neighbours at the bakery on Kastanienallee just opened a second oven."),
    ("help", "Why your espresso tastes sour, and what grind size has to do with it."),
    ("engage", "Which pastry should come back for winter? Vote in the poll."),
    ("share", "A great read on how small cafés cut food waste, from a colleague in Leipzig."),
    ("help", "Storing coffee beans: fridge, freezer or cupboard? A short guide."),
    ("personal", "Monday morning latte art practice, mistakes included."),
]
ASKS = [
    ("offer", "This week only: a free cookie with every large cappuccino."),
    ("event", "Join our cupping evening on Thursday, seats are limited. Sign up via the link."),
    ("sale", "Our winter blend is 20% off in the webshop until Sunday."),
    ("news", "We are opening a second café in Friedrichshain in spring!"),
    ("request", "Enjoyed your visit? A review on Google helps us a lot."),
]


@dataclass(frozen=True)
class DemoResult:
    workspace: Workspace
    created: bool
    posts: int


def _at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz)


def _status(day: date, today: date) -> str:
    monday = today - timedelta(days=today.weekday())
    if day < today:
        return "published"
    if day < monday + timedelta(days=7):
        return "approved"
    if day < monday + timedelta(days=14):
        return "submitted"
    return "draft"


def load_demo(*, session: Session, today: date) -> DemoResult:
    """Create the demo once; a second call finds it and changes nothing."""
    existing = session.exec(select(Workspace).where(Workspace.name == DEMO_NAME)).first()
    people = {}
    for role, password in DEMO_PASSWORDS.items():
        email = DEMO_EMAIL.format(role=role)
        user = users.find_user(session=session, email=email)
        if user is None:
            user = users.create_user(session=session, email=email, password=password,
                                     name=f"Demo {role.capitalize()}")
        people[role] = user
    if existing is not None:
        count = len(session.exec(select(Post.id).where(Post.workspace_id == existing.id)).all())
        return DemoResult(existing, False, count)

    workspace = create_workspace(
        session=session,
        data=WorkspaceCreate(name=DEMO_NAME, timezone=DEMO_TZ),
        admin_user_id=people["admin"].id,
    )
    for role in ("lead", "editor", "viewer"):
        users.set_membership(session=session, workspace_id=workspace.id,
                             user_id=people[role].id, role=role)
    tz = ZoneInfo(DEMO_TZ)
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=4)
    established = start - timedelta(days=365)
    rhythmic = Channel(workspace_id=workspace.id, name="LinkedIn – Demo Café",
                       platform="linkedin", started_on=established)
    loud = Channel(workspace_id=workspace.id, name="Instagram – Demo Café",
                   platform="instagram", started_on=established)
    letters = Channel(workspace_id=workspace.id, name="Newsletter", platform="email",
                      started_on=established)
    session.add_all([rhythmic, loud, letters])
    session.flush()

    editor = people["editor"].id
    posts: list[Post] = []

    def plan(channel: Channel, day: date, clock: time, kind: str, pick: int) -> None:
        category, text = (GIVES if kind == "give" else ASKS)[pick % (10 if kind == "give" else 5)]
        status = _status(day, today)
        at = _at(day, clock, tz)
        posts.append(Post(
            workspace_id=workspace.id, channel_id=channel.id, scheduled_at=at, kind=kind,
            category=category, text=text, status=status, created_by_id=editor,
            published_at=at if status == "published" else None,
        ))

    for offset in range(56):
        day = start + timedelta(days=offset)
        # On rhythm: a post a day, one ask after every nine gives.
        plan(rhythmic, day, time(9, 0), "ask" if offset % 10 == 9 else "give", offset)
        # Too loud: every other post is an offer.
        plan(loud, day, time(12, 30), "ask" if offset % 2 else "give", offset)
        # A calm newsletter twice a week, gives only.
        if day.weekday() in (1, 4):
            plan(letters, day, time(7, 30), "give", offset + 3)
    # The weeks before: LinkedIn finds its rhythm (its first ask comes after
    # seven gives only), Instagram asks after every third give.
    for offset in range(-7 * HISTORY_WEEKS, 0):
        day = start + timedelta(days=offset)
        plan(rhythmic, day, time(9, 0), "ask" if offset % 10 == 9 else "give", offset)
        plan(loud, day, time(12, 30), "ask" if offset in INSTAGRAM_HISTORY_ASKS else "give",
             offset)
        if day.weekday() in (1, 4):
            plan(letters, day, time(7, 30), "give", offset + 3)
    posts.sort(key=lambda p: p.scheduled_at)
    session.add_all(posts)
    session.flush()
    platforms = {c.id: c.platform for c in (rhythmic, loud, letters)}
    session.add_all(_outcomes(posts, platforms, since=start - timedelta(weeks=HISTORY_WEEKS)))
    session.flush()
    return DemoResult(workspace, True, len(posts))


HISTORY_WEEKS = 4
INSTAGRAM_HISTORY_ASKS = (-19, -15, -11, -7, -3)
REACH = {"linkedin": 900, "instagram": 1600, "email": 700}


def _outcomes(posts: list[Post], platforms: dict[str, str], *,
              since: date) -> list[PostOutcome]:
    """Results for the published posts from ``since`` on: gives engage more
    than asks, and an ask converts better the more gives came before it on its
    channel. Every thirteenth post has its reach not entered, as happens."""
    outcomes = []
    gives_before: dict[str, int] = {}
    for number, post in enumerate(posts):
        if post.kind == "ask":
            gives, gives_before[post.channel_id] = gives_before.get(post.channel_id, 0), 0
        else:
            gives = 0
            gives_before[post.channel_id] = gives_before.get(post.channel_id, 0) + 1
        if post.status != "published" or post.scheduled_at.date() < since:
            continue
        platform = platforms[post.channel_id]
        rng = random.Random(f"{platform}:{post.scheduled_at.isoformat()}:{post.kind}")
        base = REACH[platform]
        reach = round(base * rng.uniform(0.8, 1.2))
        if post.kind == "ask":
            rate = 0.015 + 0.003 * min(gives, 9)
            conversions = max(0, round(1 + 1.2 * min(gives, 10) + rng.uniform(-1.5, 1.5)))
        else:
            rate = rng.uniform(0.04, 0.07)
            conversions = 1 if rng.random() < 0.15 else 0
        engagements = round(reach * rate * rng.uniform(0.85, 1.15))
        outcomes.append(PostOutcome(
            post_id=post.id, workspace_id=post.workspace_id,
            reach=None if number % 13 == 0 else reach, impressions=round(reach * 1.6),
            engagements=engagements, clicks=round(engagements * 0.2),
            conversions=conversions, updated_by_id=post.created_by_id))
    return outcomes
