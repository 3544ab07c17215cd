"""Two leads approving the same week at the same moment give one approval, not two
(issue 5), on SQLite and on PostgreSQL.

These tests need real, separately committing connections, so they do not use the
rolled-back `session` fixture: each backend gets its own migrated database, and two
threads decide the week in their own sessions, released together by a barrier.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from app.db import make_engine
from app.errors import AppError, Conflict, PreconditionFailed
from app.models import AuditEvent, Channel, Post, User, WeekApproval
from app.schemas import WorkspaceCreate
from app.services import approvals, lifecycle, users
from app.services.access import Access, Principal, workspace_access
from app.services.workspaces import create_workspace
from tests.conftest import migrate

TZ = ZoneInfo("Europe/Berlin")
ROUNDS = 5
POSTS_PER_WEEK = 4


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def race_engine(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated database of its own, whose commits are real."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('race') / 'race.db'}"
    else:
        url = request.getfixturevalue("postgres_databases").create("race")
    migrate(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@dataclass
class Scene:
    workspace_id: str
    leads: tuple[str, str]
    post_ids: list[str]
    week: str


def future_monday() -> date:
    today = datetime.now(TZ).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=3)


def set_scene(engine: Engine) -> Scene:
    """A workspace with an editor and two leads, and a week of submitted posts."""
    suffix = uuid.uuid4().hex[:8]
    with Session(engine, expire_on_commit=False) as session:
        workspace = create_workspace(
            session=session, data=WorkspaceCreate(name=f"Race {suffix}",
                                                  timezone="Europe/Berlin"),
            admin_user_id=None)
        people = {}
        for role, name in (("editor", "editor"), ("lead", "lead-a"), ("lead", "lead-b")):
            user = User(email=f"{name}-{suffix}@race.test", name=name, password_hash="x")
            session.add(user)
            session.flush()
            users.set_membership(session=session, workspace_id=workspace.id, user_id=user.id,
                                 role=role)
            people[name] = user.id
        channel = Channel(workspace_id=workspace.id, name="LinkedIn – Race")
        session.add(channel)
        session.flush()
        monday = future_monday()
        posts = [Post(workspace_id=workspace.id, channel_id=channel.id,
                      scheduled_at=datetime.combine(monday + timedelta(days=i), time(9),
                                                    tzinfo=TZ),
                      kind="give", category="help", text=f"Give number {i}",
                      status="submitted", created_by_id=people["editor"])
                 for i in range(POSTS_PER_WEEK)]
        session.add_all(posts)
        session.commit()
        year, number, _ = monday.isocalendar()
        return Scene(workspace_id=workspace.id, leads=(people["lead-a"], people["lead-b"]),
                     post_ids=[p.id for p in posts], week=f"{year}-W{number:02d}")


Read = Callable[[Session, Access], Any]
Act = Callable[[Session, Access, Any], str]


def race(engine: Engine, scene: Scene, read: Read, act: Act) -> list[object]:
    """Both leads read, then act at the same moment, each in its own session that
    commits. A result is what `act` returned, or the AppError it raised."""
    barrier = threading.Barrier(2, timeout=30)
    results: list[object] = [None, None]

    def lead(index: int) -> None:
        try:
            with Session(engine, expire_on_commit=False) as session:
                access = workspace_access(session=session,
                                          principal=Principal(user_id=scene.leads[index]),
                                          workspace_id=scene.workspace_id)
                seen = read(session, access)
                # End the read (on SQLite it holds the write lock) before the race.
                session.commit()
                barrier.wait()
                try:
                    results[index] = act(session, access, seen)
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        except AppError as exc:
            results[index] = exc
        except BaseException as exc:  # anything else is a failure; report it, don't hang
            barrier.abort()
            results[index] = exc

    threads = [threading.Thread(target=lead, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a lead never finished"
    return results


def race_week(engine: Engine, scene: Scene, with_token: bool) -> list[object]:
    def read(session: Session, access: Access) -> str | None:
        if not with_token:
            return None
        return approvals.week_review(session=session, access=access,
                                     week=scene.week).review_token

    def act(session: Session, access: Access, token: str | None) -> str:
        return approvals.decide(session=session, access=access, week=scene.week,
                                channel_id=None, decision="approve", comment="Fine.",
                                token=token).id

    return race(engine, scene, read, act)


def race_post(engine: Engine, scene: Scene, post_id: str) -> list[object]:
    def read(session: Session, access: Access) -> None:
        session.get(Post, post_id)

    def act(session: Session, access: Access, _: None) -> str:
        return lifecycle.approve(session=session, access=access, post_id=post_id).status

    return race(engine, scene, read, act)


def approved_events(session: Session, scene: Scene) -> dict[str, int]:
    rows = session.exec(
        select(AuditEvent.subject_id, func.count()).where(
            AuditEvent.workspace_id == scene.workspace_id,
            AuditEvent.subject_type == "post", AuditEvent.action == "approved")
        .group_by(AuditEvent.subject_id)).all()
    return dict(rows)


@pytest.mark.parametrize("with_token", [True, False], ids=["review-token", "no-token"])
def test_two_leads_at_once_give_one_approval(race_engine: Engine, with_token: bool):
    for round_ in range(ROUNDS):
        scene = set_scene(race_engine)
        results = race_week(race_engine, scene, with_token)
        winners = [r for r in results if isinstance(r, str)]
        losers = [r for r in results if isinstance(r, (Conflict, PreconditionFailed))]
        assert len(winners) == 1 and len(losers) == 1, f"round {round_}: {results!r}"

        with Session(race_engine) as session:
            rows = session.exec(select(WeekApproval).where(
                WeekApproval.workspace_id == scene.workspace_id)).all()
            assert [r.id for r in rows] == winners, f"round {round_}"
            [approval] = rows
            assert approval.reviewer_id in scene.leads
            assert sorted(approval.post_ids) == sorted(scene.post_ids)
            statuses = session.exec(select(Post.status).where(
                Post.workspace_id == scene.workspace_id)).all()
            assert statuses == ["approved"] * POSTS_PER_WEEK, f"round {round_}"
            assert approved_events(session, scene) == {pid: 1 for pid in scene.post_ids}, (
                f"round {round_}")
            week_events = session.exec(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.workspace_id == scene.workspace_id,
                AuditEvent.subject_type == "week")).one()
            assert week_events == 1


def test_the_loser_can_see_the_week_is_decided(race_engine: Engine):
    scene = set_scene(race_engine)
    results = race_week(race_engine, scene, with_token=True)
    [loser] = [r for r in results if isinstance(r, AppError)]
    assert loser.status == 409
    with Session(race_engine, expire_on_commit=False) as session:
        access = workspace_access(session=session, principal=Principal(user_id=scene.leads[0]),
                                  workspace_id=scene.workspace_id)
        review = approvals.week_review(session=session, access=access, week=scene.week)
        assert review.submitted == []
        assert len(review.approvals) == 1
        assert {p.status for p in review.posts} == {"approved"}


def test_two_leads_approving_one_post_approve_it_once(race_engine: Engine):
    """On SQLite the second lead finds it approved already (approve is idempotent);
    on PostgreSQL the second UPDATE waits, then loses the version check: a 412,
    not a crash."""
    for round_ in range(ROUNDS):
        scene = set_scene(race_engine)
        post_id = scene.post_ids[0]
        results = race_post(race_engine, scene, post_id)
        assert "approved" in results, f"round {round_}: {results!r}"
        assert all(r == "approved" or isinstance(r, (Conflict, PreconditionFailed))
                   for r in results), f"round {round_}: {results!r}"
        with Session(race_engine) as session:
            post = session.get(Post, post_id)
            assert post is not None and post.status == "approved"
            assert post.version == 2, "approved once: one version bump"
            assert approved_events(session, scene) == {post_id: 1}, f"round {round_}"
