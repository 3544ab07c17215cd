"""The findings cache: computed once per plan revision, never stale.

The calendar's findings come from a cache kept in the database and keyed by
each channel's plan revision (bumped by triggers) and a fingerprint of the
rules. These tests hold it to the promise that matters to an editor: after any
edit, through the API or straight in SQL, the calendar shows exactly what a
fresh analysis finds; and to the one that matters to the team's speed: an
unchanged plan is answered from a fixed handful of queries.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import event, text, update
from sqlmodel import Session

from app.models import Post, Workspace
from app.schemas_analysis import Calendar
from app.services import calendar_cache
from app.services.access import Access, Principal
from app.services.analysis import context, findings_in_range
from app.services.calendar import calendar
from tests.api.test_analysis import LONG_AGO, add_post, day, new_channel, set_started_on
from tests.conftest import World

WEEK_START = day(0, 0)
WEEK_END = day(7, 0)


def get_calendar(client, world: World, start: datetime = WEEK_START,
                 end: datetime = WEEK_END) -> dict[str, Any]:
    response = client.get(world.path("/calendar"), headers=world.auth("viewer"),
                          params={"start": start.isoformat(), "end": end.isoformat()})
    assert response.status_code == 200, response.text
    return response.json()


def fresh_findings(session: Session, world: World, start: datetime = WEEK_START,
                   end: datetime = WEEK_END) -> list[dict[str, Any]]:
    """What the engine finds with no cache at all."""
    workspace = session.get(Workspace, world.workspace_id)
    assert workspace is not None
    ctx = replace(context(session=session, workspace=workspace), cache=False)
    found = findings_in_range(ctx, start=start.astimezone(UTC), end=end.astimezone(UTC))
    return [f.as_dict() for f in found]


def shown_findings(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in f.items() if k != "acknowledged"} for f in body["findings"]]


def revision(session: Session, channel_id: str) -> int:
    return int(session.execute(text("SELECT plan_revision FROM channel WHERE id = :id"),
                               {"id": channel_id}).scalar_one())


@contextmanager
def counted(session: Session) -> Iterator[list[str]]:
    """The statements run meanwhile, each with its parameters."""
    statements: list[str] = []
    connection = session.connection()

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
            statements.append(f"{statement} -- {parameters!r}")

    event.listen(connection, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", seen)


def viewer_access(session: Session, world: World) -> Access:
    workspace = session.get(Workspace, world.workspace_id)
    assert workspace is not None
    return Access(workspace=workspace, role="viewer", principal=Principal())


def seed_channels(client, world: World, count: int) -> list[str]:
    set_started_on(client, world, LONG_AGO)
    ids = [world.channel_id] + [new_channel(client, world, f"Channel {n}")
                                for n in range(count - 1)]
    for n, channel_id in enumerate(ids):
        for i, kind in enumerate("gaggaga"):
            add_post(client, world, day(i, 9 + n % 8), "ask" if kind == "a" else "give",
                     channel_id=channel_id)
    return ids


class TestRevisions:
    def test_a_new_post_bumps_its_channels_revision(self, client, world, session):
        before = revision(session, world.channel_id)
        add_post(client, world, day(1), "give")
        assert revision(session, world.channel_id) > before

    def test_editing_only_the_text_leaves_the_findings_and_the_revision(self, client, world,
                                                                        session):
        post = add_post(client, world, day(1), "ask")
        before = revision(session, world.channel_id)
        response = client.patch(world.path(f"/posts/{post['id']}"), json={"text": "Reworded"},
                                headers=world.auth("editor"))
        assert response.status_code == 200, response.text
        assert revision(session, world.channel_id) == before

    def test_moving_a_post_to_another_channel_bumps_both(self, client, world, session):
        other = new_channel(client, world, "Instagram")
        post = add_post(client, world, day(1), "ask")
        here, there = revision(session, world.channel_id), revision(session, other)
        response = client.patch(world.path(f"/posts/{post['id']}"), json={"channel_id": other},
                                headers=world.auth("editor"))
        assert response.status_code == 200, response.text
        assert revision(session, world.channel_id) > here
        assert revision(session, other) > there

    def test_a_plain_sql_write_bumps_it_too(self, client, world, session):
        post = add_post(client, world, day(1), "give")
        before = revision(session, world.channel_id)
        session.execute(update(Post).where(Post.id == post["id"]).values(kind="ask"))
        assert revision(session, world.channel_id) > before
        session.execute(text("DELETE FROM post WHERE id = :id"), {"id": post["id"]})
        assert revision(session, world.channel_id) > before + 1


class TestTheCalendarIsNeverStale:
    def test_the_cached_answer_is_the_fresh_one_after_random_edits(self, client, world,
                                                                  session):
        rng = random.Random(20261202)
        set_started_on(client, world, LONG_AGO)
        channels = [world.channel_id, new_channel(client, world, "Instagram")]
        story = client.post(world.path("/stories"), headers=world.auth("editor"),
                            json={"name": "Winter blend", "min_gap_days": 1}).json()
        posts: list[dict[str, Any]] = []
        for _ in range(12):
            when = day(rng.randrange(-6, 12), rng.randrange(7, 20))
            posts.append(add_post(client, world, when, rng.choice(["give", "give", "ask"]),
                                  channel_id=rng.choice(channels)))
        for step in range(40):
            action = rng.choice(["create", "move", "kind", "delete", "story", "rules",
                                 "start", "sql", "text"])
            if action == "create" or not posts:
                posts.append(add_post(client, world, day(rng.randrange(-6, 12), 10),
                                      rng.choice(["give", "ask"]),
                                      channel_id=rng.choice(channels)))
            elif action == "delete":
                gone = posts.pop(rng.randrange(len(posts)))
                assert client.delete(world.path(f"/posts/{gone['id']}"),
                                     headers=world.auth("editor")).status_code == 204
            elif action == "rules":
                body = {"preset": "beth_dunn",
                        "overrides": {"min_gives_between_asks": rng.randrange(1, 6)}}
                response = client.put(world.path("/rules"), json=body,
                                      headers=world.auth("lead"))
                assert response.status_code == 200, response.text
            elif action == "start":
                set_started_on(client, world, rng.choice([LONG_AGO, day(-3).date().isoformat()]),
                               channel_id=rng.choice(channels))
            elif action == "sql":
                target = rng.choice(posts)
                session.execute(update(Post).where(Post.id == target["id"]).values(
                    scheduled_at=day(rng.randrange(-6, 12), 12).astimezone(UTC)))
            else:
                index = rng.randrange(len(posts))
                change: dict[str, Any] = {
                    "move": {"scheduled_at": day(rng.randrange(-6, 12), 11).isoformat()},
                    "kind": {"kind": "give", "category": "share"} if rng.random() < 0.5
                    else {"kind": "ask", "category": "offer"},
                    "story": {"story_id": story["id"], "episode": None},
                    "text": {"text": f"Edit {step}"},
                }[action]
                response = client.patch(world.path(f"/posts/{posts[index]['id']}"),
                                        json=change, headers=world.auth("editor"))
                if response.status_code == 200:
                    posts[index] = response.json()
            for start, end in ((WEEK_START, WEEK_END), (day(-7, 0), day(14, 0))):
                body = get_calendar(client, world, start, end)
                again = get_calendar(client, world, start, end)
                assert shown_findings(body) == fresh_findings(session, world, start, end), (
                    f"step {step} ({action}): the calendar's findings are not a fresh analysis's")
                assert again["findings"] == body["findings"]
                assert {p["id"] for p in body["posts"]} <= {p["id"] for p in posts}


class TestFewQueries:
    def _queries(self, session: Session, world: World) -> list[str]:
        access = viewer_access(session, world)
        calendar(session=session, access=access, start=WEEK_START, end=WEEK_END,
                 now=datetime.now(UTC))  # computes and keeps the findings
        with counted(session) as statements:
            body = calendar(session=session, access=access, start=WEEK_START, end=WEEK_END,
                            now=datetime.now(UTC))
        assert body["findings"], "the seeded plan has findings to read back"
        return statements

    def test_an_unchanged_week_takes_five_queries_whatever_the_channels(self, client, world,
                                                                      session):
        seed_channels(client, world, 2)
        two = self._queries(session, world)
        for n in range(6):
            new = new_channel(client, world, f"More {n}")
            add_post(client, world, day(2), "ask", channel_id=new)
        eight = self._queries(session, world)
        assert len(two) <= 5, two
        assert len(eight) == len(two), eight

    def test_a_channel_without_a_start_date_needs_no_more(self, client, world, session):
        set_started_on(client, world, None)
        add_post(client, world, day(1), "ask")
        assert len(self._queries(session, world)) <= 5

    def test_after_an_edit_only_the_changed_channel_is_read_again(self, client, world,
                                                                 session):
        ids = seed_channels(client, world, 4)
        self._queries(session, world)
        add_post(client, world, day(3, 20), "ask", channel_id=ids[1])
        with counted(session) as statements:
            calendar(session=session, access=viewer_access(session, world), start=WEEK_START,
                     end=WEEK_END, now=datetime.now(UTC))
        plan_reads = [s for s in statements if "FROM post" in s and "plan_findings" not in s]
        assert any(ids[1] in s for s in plan_reads), "the changed channel is analysed again"
        for unchanged in (ids[0], ids[2], ids[3]):
            assert not any(unchanged in s for s in plan_reads), unchanged
        computed = session.execute(text(
            "SELECT scope, revision FROM plan_findings WHERE workspace_id = :ws"),
            {"ws": world.workspace_id}).all()
        assert dict(computed)[ids[1]] == revision(session, ids[1])


class TestTheAnswer:
    def test_the_calendar_keeps_its_documented_shape(self, client, world):
        seed_channels(client, world, 2)
        body = get_calendar(client, world)
        assert Calendar.model_validate(body).posts
        assert get_calendar(client, world) == body

    def test_an_arbitrary_range_is_answered_but_not_kept(self, client, world, session):
        add_post(client, world, day(1), "ask")
        response = client.get(world.path("/findings"), headers=world.auth("viewer"), params={
            "start": day(0, 13).isoformat(), "end": day(2, 17).isoformat()})
        assert response.status_code == 200, response.text
        kept = session.execute(text("SELECT count(*) FROM plan_findings WHERE workspace_id = :ws"),
                               {"ws": world.workspace_id}).scalar_one()
        assert kept == 0

    def test_rows_of_older_revisions_are_dropped(self, client, world, session):
        add_post(client, world, day(1), "ask")
        get_calendar(client, world)
        add_post(client, world, day(2), "ask")
        get_calendar(client, world)
        rows = session.execute(text(
            "SELECT revision FROM plan_findings WHERE workspace_id = :ws AND scope = :c"),
            {"ws": world.workspace_id, "c": world.channel_id}).scalars().all()
        assert rows == [revision(session, world.channel_id)]


class TestKeptCalendars:
    """The whole answer is kept per process and checked against the workspace's
    calendar revision: after any change to anything it shows, it is new."""

    def fresh_calendar(self, session: Session, world: World) -> dict[str, Any]:
        body = calendar(session=session, access=viewer_access(session, world),
                        start=WEEK_START, end=WEEK_END, now=datetime.now(UTC))
        return dict(orjson.loads(orjson.dumps(body, option=orjson.OPT_UTC_Z)))

    def test_an_unchanged_calendar_is_served_as_kept(self, client, world):
        add_post(client, world, day(1), "ask")
        first = get_calendar(client, world)
        hits = calendar_cache.KEPT.hits
        assert get_calendar(client, world) == first
        assert calendar_cache.KEPT.hits == hits + 1

    def test_the_kept_answer_is_the_fresh_one_after_any_change(self, client, world, session):
        rng = random.Random(7)
        other = new_channel(client, world, "Instagram")
        story = client.post(world.path("/stories"), headers=world.auth("editor"),
                            json={"name": "Winter blend"}).json()
        posts = [add_post(client, world, day(i % 7, 9 + i), "ask" if i % 3 == 0 else "give",
                          channel_id=rng.choice([world.channel_id, other])) for i in range(9)]
        changes = [
            ("the text of a post", lambda: client.patch(
                world.path(f"/posts/{posts[1]['id']}"), json={"text": "Now reworded"},
                headers=world.auth("editor"))),
            ("a channel's name", lambda: client.patch(
                world.path(f"/channels/{other}"), json={"name": "Instagram – shop"},
                headers=world.auth("editor"))),
            ("a post joining the story", lambda: client.patch(
                world.path(f"/posts/{posts[2]['id']}"), json={"story_id": story["id"]},
                headers=world.auth("editor"))),
            ("a story's name", lambda: client.patch(
                world.path(f"/stories/{story['id']}"), json={"name": "Spring blend"},
                headers={**world.auth("editor"), "If-Match": f'"{story["version"]}"'})),
            ("an acknowledgement", lambda: self._acknowledge(client, world)),
            ("a member's name, in SQL", lambda: session.execute(text(
                "UPDATE user_account SET name = 'Editor, renamed' WHERE email = :e"),
                {"e": world.users["editor"]})),
            ("the rules", lambda: client.put(world.path("/rules"), headers=world.auth("lead"),
                                             json={"preset": "beth_dunn",
                                                   "overrides": {"max_posts_per_day": 1}})),
            ("the workspace's zone", lambda: client.patch(
                world.path(""), json={"timezone": "Europe/Lisbon"},
                headers=world.auth("admin"))),
            ("a post deleted in SQL", lambda: session.execute(
                text("DELETE FROM post WHERE id = :id"), {"id": posts[4]["id"]})),
        ]
        before = get_calendar(client, world)
        for what, change in changes:
            response = change()
            if hasattr(response, "status_code"):
                assert response.status_code in (200, 201), f"{what}: {response.text}"
            shown = get_calendar(client, world)
            assert shown == self.fresh_calendar(session, world), f"after {what}"
            assert shown != before, f"{what} changed nothing the calendar shows"
            before = shown

    def _acknowledge(self, client, world: World) -> Any:
        body = get_calendar(client, world)
        finding = next(f for f in body["findings"] if f["acknowledged"] is None
                       and f["severity"] == "warning")
        return client.post(world.path("/acknowledgements"), headers=world.auth("editor"), json={
            "code": finding["code"], "channel_id": finding["channel_id"],
            "story_id": finding["story_id"], "post_ids": finding["post_ids"],
            "note": "Agreed with the client."})

    def test_a_write_request_never_keeps_its_own_answer(self, client, world, session):
        add_post(client, world, day(1), "ask")
        session.info["read_request"] = False
        kept_before = len(calendar_cache.KEPT._items)
        calendar_cache.kept(session, world.workspace_id, ("probe",), lambda: "computed")
        assert len(calendar_cache.KEPT._items) == kept_before
