"""The rules engine over the API: findings, what-if, next slot, the rules
profile and the calendar, as RULES.md and API.md promise them.

Plans are dated in the workspace's zone (Europe/Berlin) from Monday 2 Nov 2026,
ISO week 2026-W45, so the expected findings can be worked out by hand.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert
from sqlmodel import Session, func, select

from app.db import new_id
from app.models import Channel, Post
from tests.conftest import World

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=BERLIN)  # ISO week 2026-W45
LONG_AGO = "2026-01-01"  # a channel start that puts listening well behind us


# ---- helpers --------------------------------------------------------------------------


def day(offset: int, hour: int = 9, minute: int = 0) -> datetime:
    """A local time `offset` days after MONDAY (same wall clock across DST)."""
    base = MONDAY.date() + timedelta(days=offset)
    return datetime(base.year, base.month, base.day, hour, minute, tzinfo=BERLIN)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def z(moment: datetime) -> str:
    """The UTC text the API answers with."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_post(client, world: World, when: datetime, kind: str, *, channel_id: str | None = None,
             category: str | None = None) -> dict[str, Any]:
    body = {"channel_id": channel_id or world.channel_id, "scheduled_at": when.isoformat(),
            "kind": kind, "category": category or ("share" if kind == "give" else "offer"),
            "text": f"A {kind} on {when:%a %d %b %H:%M}"}
    response = client.post(world.path("/posts"), json=body, headers=world.auth("editor"))
    assert response.status_code == 201, response.text
    return response.json()


def plan(client, world: World, kinds: str, *, first: int = 0, hour: int = 9,
         channel_id: str | None = None) -> list[dict[str, Any]]:
    """One post a day from day `first`: 'g' a give, 'a' an ask."""
    return [add_post(client, world, day(first + i, hour), "ask" if k == "a" else "give",
                     channel_id=channel_id)
            for i, k in enumerate(kinds)]


def set_started_on(client, world: World, started_on: str | None,
                   channel_id: str | None = None) -> None:
    response = client.patch(world.path(f"/channels/{channel_id or world.channel_id}"),
                            json={"started_on": started_on}, headers=world.auth("editor"))
    assert response.status_code == 200, response.text


def new_channel(client, world: World, name: str, started_on: str | None = LONG_AGO) -> str:
    response = client.post(world.path("/channels"),
                           json={"name": name, "platform": "instagram",
                                 "started_on": started_on},
                           headers=world.auth("editor"))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def get_findings(client, world: World, start: datetime, end: datetime,
                 channel_id: str | None = None) -> list[dict[str, Any]]:
    params = {"start": start.isoformat(), "end": end.isoformat()}
    if channel_id:
        params["channel_id"] = channel_id
    response = client.get(world.path("/findings"), params=params, headers=world.auth("viewer"))
    assert response.status_code == 200, response.text
    items = list(response.json()["items"])
    # Every finding carries its suggestions (tests/api/test_suggestions_api.py); the
    # findings themselves are what these tests compare, with the calendar's too.
    for item in items:
        assert isinstance(item.pop("suggestions"), list)
        assert isinstance(item.pop("weeks"), list)
    return items


def of_code(findings: Iterable[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    return [f for f in findings if f["code"] == code]


def ask_codes(findings: Iterable[dict[str, Any]]) -> list[str]:
    return [f["code"] for f in findings if f["code"].startswith("ask_")]


def count_posts(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Post)).one()


def check(client, world: World, body: dict[str, Any], role: str = "editor"):
    return client.post(world.path("/check"), json=body, headers=world.auth(role))


def error_fields(response) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["field"] for e in response.json()["errors"]]


WEEK = (day(0, 0), day(7, 0))  # Mon 2 Nov 00:00 to Mon 9 Nov 00:00, Berlin
MONTH = (day(-30, 0), day(60, 0))


# ---- findings -------------------------------------------------------------------------


class TestSequenceFindings:
    def test_eight_gives_then_an_ask_is_on_rhythm(self, client, world):
        set_started_on(client, world, LONG_AGO)
        plan(client, world, "gggggggga")
        # A range ending two days after the last post: not even a trailing silence.
        assert get_findings(client, world, day(-7, 0), day(11, 0)) == []
        # Up to a month later, the channel has gone quiet, but its ask is fine.
        assert [f["code"] for f in get_findings(client, world, *MONTH)] == ["channel_silent"]

    def test_seven_gives_then_an_ask_is_too_early(self, client, world):
        set_started_on(client, world, LONG_AGO)
        posts = plan(client, world, "ggggggga")
        ask = posts[-1]
        findings = get_findings(client, world, *MONTH)
        assert ask_codes(findings) == ["ask_too_early"]
        finding = of_code(findings, "ask_too_early")[0]
        assert finding["post_ids"] == [ask["id"]]
        assert finding["start"] == finding["end"] == ask["scheduled_at"]
        assert finding["severity"] == "warning"
        assert finding["details"] == {"gives_before_first_ask": 7, "required": 8}
        assert "7 gives" in finding["message"]

    def test_an_ask_the_day_after_an_ask_is_too_soon(self, client, world):
        set_started_on(client, world, LONG_AGO)
        posts = plan(client, world, "ggggggggaa")
        first_ask, second_ask = posts[-2], posts[-1]
        findings = get_findings(client, world, *MONTH)
        too_soon = of_code(findings, "ask_too_soon")
        assert [f["post_ids"] for f in too_soon] == [[second_ask["id"]]]
        assert too_soon[0]["details"] == {"gives_since_last_ask": 0, "required": 9,
                                          "previous_ask_id": first_ask["id"]}
        assert "Tue 10 Nov" in too_soon[0]["message"]  # names the previous ask's day
        # The first ask of the channel is never too soon.
        assert all(first_ask["id"] not in f["post_ids"] for f in too_soon)

    def test_an_ask_during_listening_is_flagged_by_local_date(self, client, world):
        set_started_on(client, world, MONDAY.date().isoformat())
        posts = plan(client, world, "gggggggga")  # the ask on day 8, listening runs 14
        findings = get_findings(client, world, *MONTH)
        listening = of_code(findings, "ask_during_listening")
        assert [f["post_ids"] for f in listening] == [[posts[-1]["id"]]]
        assert listening[0]["details"]["asks_from"] == "2026-11-16"

    def test_findings_are_ordered_by_start_code_and_first_post(self, client, world):
        set_started_on(client, world, LONG_AGO)
        plan(client, world, "gaagaaga")
        findings = get_findings(client, world, *MONTH)
        keys = [(utc(f["start"]), f["code"], f["post_ids"][0]) for f in findings]
        assert len(findings) >= 5
        assert keys == sorted(keys)


class TestFindingsAreTheSameWhicheverRangeShowsThem:
    def test_a_narrow_and_a_wide_range_show_the_same_finding(self, client, world):
        set_started_on(client, world, LONG_AGO)
        posts = plan(client, world, "ggggggggaa")
        second_ask = posts[-1]
        the_day = (day(9, 0), day(10, 0))
        narrow = of_code(get_findings(client, world, *the_day), "ask_too_soon")
        wide = of_code(get_findings(client, world, *MONTH), "ask_too_soon")
        assert narrow == wide
        assert narrow[0]["post_ids"] == [second_ask["id"]]

    def test_a_density_stretch_is_whole_from_a_range_touching_only_its_end(self, client, world):
        set_started_on(client, world, LONG_AGO)
        # Ten gives, then a give and an ask a day for ten days: far over 20 %.
        plan(client, world, "g" * 10)
        for offset in range(10, 20):
            add_post(client, world, day(offset, 9), "give")
            add_post(client, world, day(offset, 18), "ask")
        wide = of_code(get_findings(client, world, *MONTH), "ask_density")
        assert len(wide) == 1
        stretch = wide[0]
        assert stretch["severity"] == "blocking"
        # The last day of the stretch only, and a day in its middle.
        end = utc(stretch["end"])
        for start, stop in ((end - timedelta(hours=1), end + timedelta(hours=1)),
                            (day(14, 0), day(15, 0))):
            assert of_code(get_findings(client, world, start, stop), "ask_density") == wide
        # A range that starts where the stretch ends does not show it (its end is open).
        assert of_code(get_findings(client, world, end, end + timedelta(days=3)),
                       "ask_density") == []

    def test_a_run_on_a_short_sparse_plan_shows_from_either_end(self, client, world):
        # 4-1-1: one ask per six posts in a row. A post every 4 days, so the run
        # reaches far beyond any range's few days of look-back either way.
        assert client.put(world.path("/rules"), json={"preset": "four_one_one"},
                          headers=world.auth("lead")).status_code == 200
        posts = [add_post(client, world, day(4 * i), "ask" if kind == "a" else "give")
                 for i, kind in enumerate("aggggag")]
        wide = of_code(get_findings(client, world, *MONTH), "ask_run")
        assert [f["post_ids"] for f in wide] == [[posts[0]["id"], posts[5]["id"]]]
        # Posts 1 to 6 hold one ask: only the first run breaks the rule.
        assert (wide[0]["start"], wide[0]["end"]) == (posts[0]["scheduled_at"],
                                                      posts[5]["scheduled_at"])
        assert wide[0]["details"]["runs"] == 1
        first_day, last_day = (day(0, 0), day(1, 0)), (day(20, 0), day(21, 0))
        for start, end in (first_day, last_day):
            assert of_code(get_findings(client, world, start, end), "ask_run") == wide

    def test_channel_filter_shows_that_channel_only(self, client, world):
        set_started_on(client, world, LONG_AGO)
        other = new_channel(client, world, "Instagram – Acme")
        plan(client, world, "ggggggggaa")
        plan(client, world, "ggggggggaa", channel_id=other)
        both = get_findings(client, world, *MONTH)
        mine = get_findings(client, world, *MONTH, channel_id=other)
        assert {f["channel_id"] for f in both} == {world.channel_id, other}
        assert mine == [f for f in both if f["channel_id"] == other]


class TestFindingsInput:
    def test_a_time_without_offset_is_refused(self, client, world):
        response = client.get(world.path("/findings"),
                               params={"start": "2026-11-02T00:00:00",
                                       "end": "2026-11-09T00:00:00+01:00"},
                               headers=world.auth("viewer"))
        assert response.status_code == 422
        assert error_fields(response) == ["query.start"]
        assert "offset" in response.json()["errors"][0]["message"]

    def test_end_before_start_is_refused(self, client, world):
        response = client.get(world.path("/findings"),
                              params={"start": day(7, 0).isoformat(),
                                      "end": day(0, 0).isoformat()},
                              headers=world.auth("viewer"))
        assert response.status_code == 422
        assert error_fields(response) == ["query.end"]

    @pytest.mark.parametrize(("given", "missing"), [("start", "query.end"),
                                                    ("end", "query.start")])
    def test_one_bound_alone_is_refused(self, client, world, given, missing):
        response = client.get(world.path("/findings"), params={given: day(0, 0).isoformat()},
                              headers=world.auth("viewer"))
        assert response.status_code == 422
        assert error_fields(response) == [missing]

    def test_unknown_channel_is_refused(self, client, world):
        response = client.get(world.path("/findings"),
                              params={"start": WEEK[0].isoformat(), "end": WEEK[1].isoformat(),
                                      "channel_id": "no-such-channel"},
                              headers=world.auth("viewer"))
        # The same answer as the calendar and every other path: an unknown or
        # foreign channel is not found.
        assert response.status_code == 404
        assert error_fields(response) == ["query.channel_id"]

    def test_without_a_range_the_current_week_is_shown(self, client, world):
        response = client.get(world.path("/findings"), headers=world.auth("viewer"))
        assert response.status_code == 200
        body = response.json()
        start, end = utc(body["start"]), utc(body["end"])
        local = start.astimezone(BERLIN)
        assert (local.weekday(), local.hour, local.minute) == (0, 0, 0)
        assert end.astimezone(BERLIN) == (local + timedelta(days=7))
        assert start <= datetime.now(UTC) < end


# ---- the bounded look-back -----------------------------------------------------------


def meets(finding: dict[str, Any], start: datetime, end: datetime) -> bool:
    """RULES.md: a range selects the findings whose span meets it; a density
    stretch's end is exclusive (its last window ends there)."""
    first, last = utc(finding["start"]), utc(finding["end"])
    if first >= end:
        return False
    return last > start if finding["code"] == "ask_density" else last >= start


HISTORY_START = date(2025, 1, 6)  # a Monday


def _history(channel_a: str, channel_b: str) -> list[tuple[str, datetime, str, str]]:
    """A year and a bit of two channels: (channel, local time, kind, category).

    Channel A keeps a daily rhythm broken by designed stretches: sparse weeks
    where the previous ask or the gives before an ask lie before a week's
    look-back, a burst of asks whose density stretch chains across several week
    boundaries, a long streak of gives, and a gap across a Sunday night.
    Channel B posts at random hours, 0 to 3 times a day.
    """
    rng = random.Random(20261102)
    rows: list[tuple[str, datetime, str, str]] = []

    def at(offset: int, hour: int = 9, minute: int = 0) -> datetime:
        d = HISTORY_START + timedelta(days=offset)
        return datetime(d.year, d.month, d.day, hour, minute, tzinfo=BERLIN)

    def a(offset: int, kind: str, hour: int = 9) -> None:
        category = rng.choice(("share", "help", "engage", "personal")) if kind == "give" \
            else rng.choice(("offer", "event", "sale"))
        rows.append((channel_a, at(offset, hour), kind, category))

    def sequence(kinds: str, every: int) -> None:
        nonlocal offset
        for kind in kinds:
            a(offset, "ask" if kind == "a" else "give")
            offset += every

    def gives_to(weekday: int) -> None:
        nonlocal offset
        while at(offset).weekday() != weekday:
            a(offset, "give")
            offset += 1

    offset = 0
    # Days 0-69: the rhythm, 8 to 11 gives between asks (8 is one short).
    while offset < 70:
        sequence("g" * rng.randint(8, 11) + "a", 1)
    # Sparse, a post every 4 days. An ask, 3 gives, an ask: the previous ask lies
    # 16 days back, before any week's look-back (8 days or 3 posts).
    offset += 2
    sequence("agggagggggggggggaggggggggga", 4)
    # Gives counted across the look-back, a post every 3 days: an ask, 8 gives and
    # an ask (too soon), 9 gives and an ask (on rhythm).
    sequence("aggggggggaggggggggga", 3)
    # Ten days of gives, to a Friday; then a burst, a give and an ask a day for 19
    # days: one density stretch chaining across three week boundaries.
    sequence("g" * 10, 1)
    gives_to(4)
    for _ in range(19):
        a(offset, "give")
        a(offset, "ask", hour=17)
        offset += 1
    # A streak of 35 gives, then an ask; then gives to a Friday and ten silent days,
    # to a Monday.
    sequence("g" * 35 + "a", 1)
    gives_to(4)
    sequence("g", 10)
    while offset < 400:
        sequence("g" * rng.randint(7, 12) + "a", 1)

    # Channel B: its first ask comes after 7 gives, one every 4 days (too early,
    # counted across the look-back), then random hours at a 20 % ask rate.
    for i in range(7):
        rows.append((channel_b, at(4 * i, 11), "give", "help"))
    rows.append((channel_b, at(28, 11), "ask", "sale"))
    for offset in range(29, 400):
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            kind = "ask" if rng.random() < 0.2 else "give"
            category = "offer" if kind == "ask" else rng.choice(("share", "help", "engage"))
            rows.append((channel_b, at(offset, rng.randint(7, 21), rng.choice((0, 30))), kind,
                         category))
    return rows


def insert_history(session: Session, world: World) -> tuple[str, str]:
    """Insert the history straight into the database, in time order (ids follow)."""
    channel_b = Channel(workspace_id=world.workspace_id, name="Instagram – Acme",
                        platform="instagram")
    session.add(channel_b)
    session.flush()
    rows = sorted(_history(world.channel_id, channel_b.id), key=lambda r: r[1])
    now = datetime.now(UTC)
    session.execute(insert(Post.__table__), [  # type: ignore[attr-defined]
        {"id": new_id(), "workspace_id": world.workspace_id, "channel_id": channel,
         "scheduled_at": when, "kind": kind, "category": category, "text": f"{kind} {when}",
         "status": "published", "version": 1, "created_at": now, "updated_at": now}
        for channel, when, kind, category in rows
    ])
    session.commit()
    return world.channel_id, channel_b.id


def local_monday(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=BERLIN)


def week_of(moment: datetime) -> tuple[datetime, datetime]:
    local = moment.astimezone(BERLIN).date()
    monday = local_monday(local - timedelta(days=local.weekday()))
    return monday, local_monday(monday.date() + timedelta(days=7))


class TestBoundedLookBackIsExact:
    """A week's findings, read with a bounded look-back, are exactly the findings
    of the whole plan that meet the week: same posts, spans, messages, details."""

    @pytest.mark.parametrize("preset", ["beth_dunn", "eighty_twenty", "jab_jab_jab_right_hook"])
    def test_every_week_matches_the_whole_plan(self, client, world, session, preset):
        if preset != "beth_dunn":
            put = client.put(world.path("/rules"), json={"preset": preset},
                             headers=world.auth("lead"))
            assert put.status_code == 200, put.text
        channels = insert_history(session, world)
        assert count_posts(session) > 600
        whole = [f for f in get_findings(client, world, local_monday(date(2024, 1, 1)),
                                         local_monday(date(2028, 1, 3)))
                 if not f["details"].get("trailing")]
        assert {f["channel_id"] for f in whole} == set(channels)
        codes = {f["code"] for f in whole}
        expected_codes = {
            "beth_dunn": {"ask_too_soon", "ask_too_early", "ask_density", "channel_silent",
                          "ask_during_listening"},
            "eighty_twenty": {"ask_run", "ask_density", "ask_too_soon"},
            "jab_jab_jab_right_hook": {"ask_too_soon", "no_ask_lately"},
        }[preset]
        assert expected_codes <= codes

        monday = HISTORY_START
        weeks = checked = 0
        while monday < HISTORY_START + timedelta(days=392):
            start, end = local_monday(monday), local_monday(monday + timedelta(days=7))
            week = get_findings(client, world, start, end)
            assert week == [f for f in whole if meets(f, start, end)], f"week of {monday}"
            weeks += 1
            checked += len(week)
            monday += timedelta(days=7)
        assert weeks == 56
        assert checked > 60

    def test_the_designed_carry_in_cases_are_shown_whole_in_their_week(
            self, client, world, session):
        channel_a, channel_b = insert_history(session, world)
        everything = (local_monday(date(2024, 1, 1)), local_monday(date(2028, 1, 3)))

        def days_since_previous(finding: dict[str, Any]) -> int:
            previous = session.get(Post, finding["details"]["previous_ask_id"])
            return (utc(finding["start"]).astimezone(BERLIN).date()
                    - previous.scheduled_at.astimezone(BERLIN).date()).days

        too_soon = of_code(get_findings(client, world, *everything, channel_id=channel_a),
                           "ask_too_soon")
        # The previous ask 16 days back, 3 gives between (one every 4 days); and
        # 8 gives counted across the look-back (one every 3 days, 27 days).
        designed = {(f["details"]["gives_since_last_ask"], days_since_previous(f)): f
                    for f in too_soon}
        for case in ((3, 16), (8, 27)):
            finding = designed[case]
            week = get_findings(client, world, *week_of(utc(finding["start"])),
                                channel_id=channel_a)
            assert finding in week, case
        # Channel B's first ask: 7 gives before it, one every 4 days.
        early = of_code(get_findings(client, world, *everything, channel_id=channel_b),
                        "ask_too_early")
        assert [f["details"] for f in early] == [{"gives_before_first_ask": 7, "required": 8}]
        assert early[0] in get_findings(client, world, *week_of(utc(early[0]["start"])))


# ---- what-if ---------------------------------------------------------------------------


class TestCheckIsExact:
    """A what-if check reads each touched channel from a bounded look-back; what it
    answers is exactly the difference between the whole plan before and after."""

    @pytest.mark.parametrize("preset", ["beth_dunn", "eighty_twenty"])
    def test_random_changes_match_the_whole_plan(self, client, world, session, preset):
        from fastapi.encoders import jsonable_encoder

        from app.models import Workspace
        from app.rules import PostFact, diff
        from app.services.analysis import Bounds, channel_plans, run
        from app.services.plan_context import context

        if preset != "beth_dunn":
            put = client.put(world.path("/rules"), json={"preset": preset},
                             headers=world.auth("lead"))
            assert put.status_code == 200, put.text
        channels = insert_history(session, world)
        posts = session.exec(select(Post).where(Post.workspace_id == world.workspace_id)).all()
        rng = random.Random(20261203)
        workspace = session.get(Workspace, world.workspace_id)
        span = (HISTORY_START, HISTORY_START + timedelta(days=400))

        def whole(extra: list[PostFact], drop: frozenset[str]) -> tuple[list[Any], list[Any]]:
            ctx = context(session=session, workspace=workspace, channel_ids=list(channels))
            plans = channel_plans(ctx, list(channels), {c: Bounds() for c in channels})
            before = run(ctx, plans, start=None, end=None)
            after = run(ctx, plans, start=None, end=None, extra=extra, drop=drop)
            return diff(before, after)

        def fact(post_id: str, channel_id: str, at: datetime, kind: str) -> PostFact:
            return PostFact(id=post_id, channel_id=channel_id, at=at.astimezone(UTC), kind=kind,
                            category="offer" if kind == "ask" else "share", story_id=None,
                            episode=None)

        changed = 0
        for number in range(30):
            when = datetime.combine(span[0] + timedelta(days=rng.randrange(400)),
                                    datetime.min.time(), BERLIN).replace(hour=rng.randint(7, 21))
            kind = rng.choice(("ask", "ask", "give"))
            post = rng.choice(posts)
            action = ("create", "move", "update", "delete")[number % 4]
            if action == "create":
                channel = rng.choice(channels)
                body: dict[str, Any] = {"action": "create", "post": {
                    "channel_id": channel, "scheduled_at": when.isoformat(), "kind": kind,
                    "category": "offer" if kind == "ask" else "share", "text": "x"}}
                expected = whole([fact("new", channel, when, kind)], frozenset())
            elif action == "move":
                body = {"action": "move", "post_id": post.id, "scheduled_at": when.isoformat()}
                expected = whole([fact(post.id, post.channel_id, when, post.kind)],
                                 frozenset({post.id}))
            elif action == "update":
                other = "give" if post.kind == "ask" else "ask"
                body = {"action": "update", "post_id": post.id, "changes": {
                    "kind": other, "category": "offer" if other == "ask" else "share"}}
                expected = whole([fact(post.id, post.channel_id, post.scheduled_at, other)],
                                 frozenset({post.id}))
            else:
                body = {"action": "delete", "post_id": post.id}
                expected = whole([], frozenset({post.id}))
            response = check(client, world, body)
            assert response.status_code == 200, response.text
            added, resolved = expected
            # The answer also says whether a finding is acknowledged (none is here).
            got = {side: [{k: v for k, v in f.items() if k != "acknowledged"}
                          for f in response.json()[side]] for side in ("added", "resolved")}
            key = lambda f: (f["start"], f["code"], f["post_ids"][:1])  # noqa: E731
            assert sorted(got["added"], key=key) == sorted(
                jsonable_encoder([f.as_dict() for f in added]), key=key), (number, body)
            assert sorted(got["resolved"], key=key) == sorted(
                jsonable_encoder([f.as_dict() for f in resolved]), key=key), (number, body)
            changed += bool(added or resolved)
        # The changes land in busy stretches: most of them change something.
        assert changed >= 15



class TestCheck:
    def rhythm(self, client, world) -> list[dict[str, Any]]:
        set_started_on(client, world, LONG_AGO)
        return plan(client, world, "gggggggga")  # on rhythm, the ask on day 8

    def test_an_extra_ask_the_day_after_an_ask_is_too_soon_and_nothing_is_saved(
            self, client, world, session):
        posts = self.rhythm(client, world)
        before = count_posts(session)
        findings_before = get_findings(client, world, *MONTH)
        response = check(client, world, {"action": "create", "post": {
            "channel_id": world.channel_id, "scheduled_at": day(9).isoformat(), "kind": "ask",
            "category": "sale", "text": "Winter blend, 20% off"}})
        assert response.status_code == 200, response.text
        added = response.json()["added"]
        too_soon = of_code(added, "ask_too_soon")
        assert [f["post_ids"] for f in too_soon] == [["new"]]
        assert too_soon[0]["details"] == {"gives_since_last_ask": 0, "required": 9,
                                          "previous_ask_id": posts[-1]["id"]}
        assert too_soon[0]["start"] == z(day(9))
        assert response.json()["resolved"] == []
        assert count_posts(session) == before
        assert get_findings(client, world, *MONTH) == findings_before

    def test_deleting_the_offending_ask_resolves_its_findings(self, client, world, session):
        posts = self.rhythm(client, world)
        extra = add_post(client, world, day(9), "ask")
        before = count_posts(session)
        response = check(client, world, {"action": "delete", "post_id": extra["id"]})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["added"] == []
        resolved = of_code(body["resolved"], "ask_too_soon")
        assert [f["post_ids"] for f in resolved] == [[extra["id"]]]
        assert resolved[0]["details"]["previous_ask_id"] == posts[-1]["id"]
        assert count_posts(session) == before
        assert client.get(world.path(f"/posts/{extra['id']}"),
                          headers=world.auth("viewer")).status_code == 200

    def test_moving_the_ask_after_nine_gives_resolves_it(self, client, world):
        self.rhythm(client, world)
        plan(client, world, "ggggggggg", first=10)  # nine gives, days 10 to 18
        extra = add_post(client, world, day(9), "ask")
        moved = check(client, world, {"action": "move", "post_id": extra["id"],
                                      "scheduled_at": day(19).isoformat()})
        assert moved.status_code == 200, moved.text
        assert [f["post_ids"] for f in of_code(moved.json()["resolved"], "ask_too_soon")] == \
            [[extra["id"]]]
        assert ask_codes(moved.json()["added"]) == []
        # Moved one day too early, it stays too soon: same key, neither added nor resolved.
        short = check(client, world, {"action": "move", "post_id": extra["id"],
                                      "scheduled_at": day(18, 8).isoformat()})
        assert short.status_code == 200
        assert of_code(short.json()["resolved"], "ask_too_soon") == []
        assert of_code(short.json()["added"], "ask_too_soon") == []
        # The post did not move.
        stored = client.get(world.path(f"/posts/{extra['id']}"), headers=world.auth("viewer"))
        assert stored.json()["scheduled_at"] == z(day(9))

    def test_turning_a_give_into_an_ask_is_checked(self, client, world):
        posts = self.rhythm(client, world)
        response = check(client, world, {"action": "update", "post_id": posts[3]["id"],
                                         "changes": {"kind": "ask", "category": "event"}})
        assert response.status_code == 200, response.text
        added = response.json()["added"]
        # The give on day 3 becomes the first ask, too early; the ask on day 8 becomes
        # too soon; and the old first ask's clean record is no finding to resolve.
        assert {(f["code"], tuple(f["post_ids"])) for f in added
                if f["code"] in ("ask_too_early", "ask_too_soon")} == {
            ("ask_too_early", (posts[3]["id"],)), ("ask_too_soon", (posts[-1]["id"],))}

    def test_update_with_a_category_of_the_other_kind_is_refused(self, client, world):
        posts = self.rhythm(client, world)
        response = check(client, world, {"action": "update", "post_id": posts[0]["id"],
                                         "changes": {"kind": "ask"}})
        assert response.status_code == 422
        assert error_fields(response) == ["changes.category"]
        assert "share" in response.json()["errors"][0]["message"]

    def test_create_with_a_category_of_the_other_kind_is_refused(self, client, world):
        response = check(client, world, {"action": "create", "post": {
            "channel_id": world.channel_id, "scheduled_at": day(9).isoformat(), "kind": "give",
            "category": "sale", "text": "x"}})
        assert response.status_code == 422
        assert error_fields(response) == ["post.category"]

    def test_a_viewer_may_not_check(self, client, world):
        posts = self.rhythm(client, world)
        response = check(client, world, {"action": "delete", "post_id": posts[0]["id"]},
                         role="viewer")
        assert response.status_code == 403

    @pytest.mark.parametrize("body", [
        {"action": "delete", "post_id": "no-such-post"},
        {"action": "move", "post_id": "no-such-post", "scheduled_at": "2026-11-10T09:00:00Z"},
        {"action": "update", "post_id": "no-such-post", "changes": {"kind": "give"}},
    ])
    def test_an_unknown_post_is_not_found(self, client, world, body):
        assert check(client, world, body).status_code == 404

    def test_a_post_of_another_workspace_is_not_found(self, client, world, session):
        from tests.conftest import build_world

        other = build_world(session, name="Other Co")
        foreign = add_post(client, other, day(0), "give")
        assert check(client, world, {"action": "delete", "post_id": foreign["id"]}
                     ).status_code == 404

    def test_a_time_without_offset_is_refused(self, client, world):
        posts = self.rhythm(client, world)
        response = check(client, world, {"action": "move", "post_id": posts[0]["id"],
                                         "scheduled_at": "2026-11-10T09:00:00"})
        assert response.status_code == 422
        assert error_fields(response) == ["scheduled_at"]
        assert "offset" in response.json()["errors"][0]["message"]

    @pytest.mark.parametrize("action", ["publish", None])
    def test_an_unknown_or_missing_action_is_named(self, client, world, action):
        body = {"post_id": "x"} if action is None else {"action": action, "post_id": "x"}
        response = check(client, world, body)
        assert response.status_code == 422
        assert error_fields(response) == ["action"]

    def test_a_missing_field_is_named_as_sent(self, client, world):
        response = check(client, world, {"action": "create", "post": {
            "channel_id": world.channel_id, "kind": "give", "text": "x"}})
        assert response.status_code == 422
        assert error_fields(response) == ["post.scheduled_at"]


# ---- next slot ------------------------------------------------------------------------


def next_slot(client, world: World, channel_id: str, **params: str):
    return client.get(world.path(f"/channels/{channel_id}/next-slot"), params=params,
                      headers=world.auth("viewer"))


class TestNextSlot:
    def test_a_fresh_channel_asks_after_its_listening_time(self, client, world):
        set_started_on(client, world, MONDAY.date().isoformat())
        plan(client, world, "gggggggg", hour=10)  # eight gives, days 0 to 7
        response = next_slot(client, world, world.channel_id, kind="ask",
                             after=day(0, 0).isoformat())
        assert response.status_code == 200, response.text
        body = response.json()
        # Listening runs 14 days from Mon 2 Nov: asks fit from Mon 16 Nov, 09:00 local.
        assert body["slot"] == z(day(14))
        assert "first ask" in body["reason"]

    def test_an_established_channel_asks_after_enough_gives(self, client, world):
        set_started_on(client, world, LONG_AGO)
        plan(client, world, "gggggggggg", hour=10)  # ten gives at 10:00, days 0 to 9
        response = next_slot(client, world, world.channel_id, kind="ask",
                             after=day(0, 0).isoformat())
        assert response.status_code == 200
        # 09:00 on day 8 comes after the eighth give (day 7, 10:00).
        assert response.json()["slot"] == z(day(8))
        assert "8 gives" in response.json()["reason"]

    def test_the_slot_adds_no_warning_when_checked(self, client, world):
        set_started_on(client, world, LONG_AGO)
        plan(client, world, "gggggggggg", hour=10)
        slot = next_slot(client, world, world.channel_id, kind="ask",
                         after=day(0, 0).isoformat()).json()["slot"]
        response = check(client, world, {"action": "create", "post": {
            "channel_id": world.channel_id, "scheduled_at": slot, "kind": "ask",
            "text": "Cupping evening"}})
        assert [f for f in response.json()["added"] if f["severity"] != "info"] == []

    def test_a_full_rhythm_has_no_slot_and_says_to_plan_gives(self, client, world):
        set_started_on(client, world, LONG_AGO)
        plan(client, world, "ggggggggagg")  # an ask, then only two gives planned
        response = next_slot(client, world, world.channel_id, kind="ask",
                             after=day(0, 0).isoformat())
        assert response.status_code == 200
        body = response.json()
        assert body["slot"] is None
        assert "7 more gives" in body["reason"]

    def test_a_give_fits_right_away(self, client, world):
        set_started_on(client, world, LONG_AGO)
        plan(client, world, "gggggggga")
        response = next_slot(client, world, world.channel_id, kind="give",
                             after=day(9, 0).isoformat())
        assert response.json()["slot"] == z(day(9))

    def test_a_bad_kind_is_refused(self, client, world):
        response = next_slot(client, world, world.channel_id, kind="promo")
        assert response.status_code == 422
        assert error_fields(response) == ["query.kind"]

    def test_a_category_of_the_other_kind_is_refused(self, client, world):
        response = next_slot(client, world, world.channel_id, kind="ask", category="share")
        assert response.status_code == 422
        assert error_fields(response) == ["query.category"]

    def test_an_unknown_channel_is_not_found(self, client, world):
        assert next_slot(client, world, "no-such-channel", kind="ask").status_code == 404


# ---- the rules profile ----------------------------------------------------------------


def get_rules(client, world: World, role: str = "viewer"):
    return client.get(world.path("/rules"), headers=world.auth(role))


def put_rules(client, world: World, body: dict[str, Any], role: str = "lead",
              if_match: str | None = None):
    headers = world.auth(role)
    if if_match is not None:
        headers = {**headers, "If-Match": if_match}
    return client.put(world.path("/rules"), json=body, headers=headers)


class TestRulesProfile:
    def test_a_viewer_reads_the_default_profile(self, client, world):
        response = get_rules(client, world)
        assert response.status_code == 200
        body = response.json()
        assert response.headers["etag"] == '"0"'
        assert body["preset"] == "beth_dunn"
        assert body["effective"]["min_gives_between_asks"] == 9
        assert body["effective"]["max_ask_share"] == 0.2
        assert body["effective"]["run_length"] is None
        assert body["severities"]["ask_density"] == "blocking"
        assert body["severities"]["no_ask_lately"] == "info"
        assert set(body["presets"]) >= {"beth_dunn", "eighty_twenty", "four_one_one"}

    def test_a_lead_changes_a_value_and_the_findings_follow(self, client, world):
        set_started_on(client, world, LONG_AGO)
        plan(client, world, "ggggggggagggga")  # four gives between the asks
        assert of_code(get_findings(client, world, *MONTH), "ask_too_soon") != []
        response = put_rules(client, world, {"preset": "beth_dunn",
                                             "overrides": {"min_gives_between_asks": 4}},
                             if_match='"0"')
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == '"1"'
        assert response.json()["effective"]["min_gives_between_asks"] == 4
        assert response.json()["overrides"] == {"min_gives_between_asks": 4}
        assert of_code(get_findings(client, world, *MONTH), "ask_too_soon") == []
        assert get_rules(client, world).json()["effective"]["min_gives_between_asks"] == 4

    def test_null_turns_a_rule_off(self, client, world):
        set_started_on(client, world, LONG_AGO)
        plan(client, world, "ggggggga")
        assert ask_codes(get_findings(client, world, *MONTH)) == ["ask_too_early"]
        response = put_rules(client, world, {"overrides": {"min_gives_before_first_ask": None}})
        assert response.status_code == 200
        assert response.json()["effective"]["min_gives_before_first_ask"] is None
        assert ask_codes(get_findings(client, world, *MONTH)) == []

    def test_a_preset_changes_the_effective_values(self, client, world):
        response = put_rules(client, world, {"preset": "four_one_one"})
        assert response.status_code == 200
        effective = response.json()["effective"]
        assert (effective["run_length"], effective["max_asks_per_run"],
                effective["min_gives_between_asks"], effective["listen_days"]) == (6, 1, 1, None)
        assert client.get(world.path(), headers=world.auth("viewer")).json()["rules_preset"] \
            == "four_one_one"

    def test_an_editor_may_not_change_the_rules(self, client, world):
        response = put_rules(client, world, {"overrides": {"min_gives_between_asks": 1}},
                             role="editor")
        assert response.status_code == 403
        assert get_rules(client, world).json()["effective"]["min_gives_between_asks"] == 9

    def test_bad_values_are_each_named_and_nothing_is_saved(self, client, world):
        assert put_rules(client, world, {"overrides": {"max_posts_per_day": 3}}).status_code \
            == 200
        before = get_rules(client, world)
        response = put_rules(client, world, {
            "preset": "shout_a_lot",
            "overrides": {"max_ask_share": 1.5, "window_days": -7},
            "severities": {"ask_too_loud": "blocking", "ask_density": "fatal"},
            "channels": {"no-such-channel": {"listen_days": 3}},
        })
        assert response.status_code == 422
        fields = error_fields(response)
        for field in ("preset", "overrides.max_ask_share", "overrides.window_days",
                      "severities.ask_too_loud", "severities.ask_density",
                      "channels.no-such-channel"):
            assert field in fields, fields
        after = get_rules(client, world)
        assert after.json() == before.json()
        assert after.headers["etag"] == before.headers["etag"]

    @pytest.mark.parametrize(("body", "field"), [
        ({"preset": "shout_a_lot"}, "preset"),
        ({"overrides": {"max_ask_share": 1.5}}, "overrides.max_ask_share"),
        ({"overrides": {"window_days": -1}}, "overrides.window_days"),
        ({"overrides": {"run_length": "ten"}}, "overrides.run_length"),
        ({"overrides": {"colour": 3}}, "overrides.colour"),
        ({"severities": {"ask_too_loud": "warning"}}, "severities.ask_too_loud"),
        ({"overrides": {"min_category_share": {"memes": 0.5}}},
         "overrides.min_category_share.memes"),
    ])
    def test_each_bad_value_alone(self, client, world, body, field):
        response = put_rules(client, world, body)
        assert response.status_code == 422
        assert error_fields(response) == [field]
        assert get_rules(client, world).headers["etag"] == '"0"'

    def test_a_bad_per_channel_value_names_the_channel(self, client, world):
        response = put_rules(client, world,
                             {"channels": {world.channel_id: {"max_ask_share": 2}}})
        assert response.status_code == 422
        assert error_fields(response) == [f"channels.{world.channel_id}.overrides.max_ask_share"]

    def test_a_stale_if_match_is_412_and_changes_nothing(self, client, world):
        first = put_rules(client, world, {"overrides": {"min_gives_between_asks": 5}},
                          if_match='"0"')
        assert first.status_code == 200
        stale = put_rules(client, world, {"overrides": {"min_gives_between_asks": 2}},
                          if_match='"0"')
        assert stale.status_code == 412
        assert stale.json()["current_version"] == 1
        assert get_rules(client, world).json()["effective"]["min_gives_between_asks"] == 5

    def test_a_per_channel_value_applies_to_that_channel_only(self, client, world):
        set_started_on(client, world, LONG_AGO)
        other = new_channel(client, world, "Instagram – Acme")
        plan(client, world, "ggggggggaa")
        plan(client, world, "ggggggggaa", channel_id=other)
        response = put_rules(client, world, {"channels": {other: {"min_gives_between_asks": 0}}})
        assert response.status_code == 200, response.text
        assert response.json()["channel_effective"][other]["min_gives_between_asks"] == 0
        assert response.json()["effective"]["min_gives_between_asks"] == 9
        too_soon = of_code(get_findings(client, world, *MONTH), "ask_too_soon")
        assert [f["channel_id"] for f in too_soon] == [world.channel_id]

    def test_a_severity_override_changes_the_findings_severity(self, client, world):
        set_started_on(client, world, LONG_AGO)
        plan(client, world, "ggggggggaggga")
        assert [f["severity"] for f in of_code(get_findings(client, world, *MONTH),
                                               "ask_too_soon")] == ["warning"]
        response = put_rules(client, world, {"severities": {"ask_too_soon": "blocking"}})
        assert response.status_code == 200
        assert response.json()["severities"]["ask_too_soon"] == "blocking"
        assert [f["severity"] for f in of_code(get_findings(client, world, *MONTH),
                                               "ask_too_soon")] == ["blocking"]


# ---- the calendar ---------------------------------------------------------------------


def get_calendar(client, world: World, start: datetime, end: datetime, **params: str):
    response = client.get(world.path("/calendar"),
                          params={"start": start.isoformat(), "end": end.isoformat(), **params},
                          headers=world.auth("viewer"))
    assert response.status_code == 200, response.text
    return response.json()


def gauge(week: dict[str, Any], channel_id: str) -> dict[str, Any]:
    return next(c for c in week["channels"] if c["channel_id"] == channel_id)


class TestCalendar:
    def two_channels(self, client, world) -> str:
        """The rhythmic world channel and a promotional one, three weeks from 19 Oct."""
        set_started_on(client, world, LONG_AGO)
        loud = new_channel(client, world, "Instagram – Acme")
        rhythm = "gggggggggagggggggggag"  # 21 days: an ask after every nine gives
        for i, kind in enumerate(rhythm):
            add_post(client, world, day(i - 14), "ask" if kind == "a" else "give")
            add_post(client, world, day(i - 14, 12, 30), "ask" if i % 2 else "give",
                     channel_id=loud)
        return loud

    def test_weekly_gauges_tell_the_rhythmic_channel_from_the_loud_one(self, client, world):
        loud = self.two_channels(client, world)
        body = get_calendar(client, world, *WEEK)
        assert body["timezone"] == "Europe/Berlin"
        assert [w["week"] for w in body["weeks"]] == ["2026-W45"]
        week = body["weeks"][0]
        steady = gauge(week, world.channel_id)
        assert (steady["gives"], steady["asks"], steady["on_rhythm"]) == (6, 1, True)
        assert steady["findings"] == {"info": 0, "warning": 0, "blocking": 0}
        noisy = gauge(week, loud)
        # Days 0 to 6 of the alternation that began on day -14 (a give): odd days ask.
        assert (noisy["gives"], noisy["asks"], noisy["on_rhythm"]) == (4, 3, False)
        assert noisy["findings"]["blocking"] >= 1
        assert noisy["findings"]["warning"] >= 1
        assert week["total"] == {"gives": 10, "asks": 4, "on_rhythm": False}
        codes = {f["code"] for f in body["findings"] if f["channel_id"] == loud}
        assert {"ask_density", "ask_too_soon"} <= codes
        assert all(f["channel_id"] == loud for f in body["findings"])
        assert {c["id"] for c in body["channels"]} == {world.channel_id, loud}

    def test_a_week_the_stretch_only_reaches_into_is_on_rhythm(self, client, world):
        """Asks crowd the end of week 45; their windows reach into week 46, which
        holds only gives. The stretch meets week 46 but names none of its posts,
        so week 46 is on rhythm, as its review says."""
        set_started_on(client, world, LONG_AGO)
        for offset, hour, kind in ((4, 9, "give"), (4, 15, "ask"), (5, 9, "give"),
                                   (5, 15, "ask"), (6, 9, "ask"), (7, 9, "give"),
                                   (8, 9, "give")):
            add_post(client, world, day(offset, hour), kind)
        body = get_calendar(client, world, day(0, 0), day(14, 0))
        density = [f for f in body["findings"] if f["code"] == "ask_density"]
        assert len(density) == 1 and utc(density[0]["end"]) > day(7, 0)
        first, second = (gauge(w, world.channel_id) for w in body["weeks"])
        assert (first["asks"], first["on_rhythm"]) == (3, False)
        assert (second["gives"], second["asks"], second["on_rhythm"]) == (2, 0, True)
        review = client.get(world.path("/weeks/2026-W46"), headers=world.auth("viewer")).json()
        assert review["on_rhythm"] is True

    def test_the_range_is_widened_to_whole_weeks(self, client, world):
        self.two_channels(client, world)
        body = get_calendar(client, world, day(2, 10), day(3, 10))  # Wednesday to Thursday
        assert body["start"] == z(day(0, 0))
        assert body["end"] == z(day(7, 0))
        assert len(body["posts"]) == 14
        across = get_calendar(client, world, day(5, 0), day(8, 0))  # Saturday to Tuesday
        assert [w["week"] for w in across["weeks"]] == ["2026-W45", "2026-W46"]
        assert across["end"] == z(day(14, 0))

    def test_only_posts_in_range_are_shown(self, client, world):
        set_started_on(client, world, LONG_AGO)
        before = add_post(client, world, day(-1, 23, 59), "give")  # Sunday night
        first = add_post(client, world, day(0, 0, 0), "give")  # Monday 00:00
        last = add_post(client, world, day(6, 23, 59), "give")
        after = add_post(client, world, day(7, 0, 0), "give")
        body = get_calendar(client, world, *WEEK)
        ids = [p["id"] for p in body["posts"]]
        assert ids == [first["id"], last["id"]]
        assert before["id"] not in ids and after["id"] not in ids
        assert gauge(body["weeks"][0], world.channel_id)["gives"] == 2
        assert body["posts"][0]["scheduled_at"] == "2026-11-01T23:00:00Z"

    def test_kind_filter_shows_only_that_kind_but_keeps_the_gauges(self, client, world):
        loud = self.two_channels(client, world)
        whole = get_calendar(client, world, *WEEK)
        asks = get_calendar(client, world, *WEEK, kind="ask")
        assert {p["kind"] for p in asks["posts"]} == {"ask"}
        assert [p["id"] for p in asks["posts"]] == \
            [p["id"] for p in whole["posts"] if p["kind"] == "ask"]
        assert len(asks["posts"]) == 4
        assert asks["weeks"] == whole["weeks"]
        assert gauge(asks["weeks"][0], loud)["gives"] == 4

    def test_channel_filter(self, client, world):
        loud = self.two_channels(client, world)
        body = get_calendar(client, world, *WEEK, channel_id=loud)
        assert {p["channel_id"] for p in body["posts"]} == {loud}
        assert [c["channel_id"] for c in body["weeks"][0]["channels"]] == [loud]
        assert {f["channel_id"] for f in body["findings"]} == {loud}

    def test_a_density_stretch_ending_at_midnight_stays_out_of_the_next_week(
            self, client, world):
        set_started_on(client, world, LONG_AGO)
        # One window breaks the rule: the one starting Monday 00:00 (2 asks in 5
        # posts); the stretch ends where it does, at the next Monday 00:00.
        add_post(client, world, day(0, 0), "ask")
        for offset, kind in ((1, "give"), (2, "give"), (3, "ask"), (4, "give")):
            add_post(client, world, day(offset), kind)
        for offset in range(7, 14):
            add_post(client, world, day(offset), "give")
        two_weeks = get_calendar(client, world, day(0, 0), day(14, 0))
        (stretch,) = of_code(two_weeks["findings"], "ask_density")
        assert stretch["end"] == z(day(7, 0))
        first, second = (gauge(week, world.channel_id) for week in two_weeks["weeks"])
        assert first["on_rhythm"] is False and first["findings"]["blocking"] == 1
        # The second week, shown alone, has no finding: shown with the first, the
        # same week must not count the stretch either.
        alone = get_calendar(client, world, day(7, 0), day(14, 0))
        assert alone["findings"] == []
        assert gauge(alone["weeks"][0], world.channel_id) == second
        assert second["on_rhythm"] is True
        assert second["findings"] == {"info": 0, "warning": 0, "blocking": 0}

    def test_calendar_and_findings_agree(self, client, world):
        self.two_channels(client, world)
        body = get_calendar(client, world, *WEEK)
        assert body["findings"] == get_findings(client, world, *WEEK)

    def test_bad_input(self, client, world):
        naive = client.get(world.path("/calendar"),
                           params={"start": "2026-11-02T00:00:00", "end": "2026-11-09T00:00Z"},
                           headers=world.auth("viewer"))
        assert naive.status_code == 422
        assert error_fields(naive) == ["query.start"]
        backwards = client.get(world.path("/calendar"),
                               params={"start": WEEK[1].isoformat(), "end": WEEK[0].isoformat()},
                               headers=world.auth("viewer"))
        assert backwards.status_code == 422
        assert error_fields(backwards) == ["query.end"]
        too_long = client.get(world.path("/calendar"),
                              params={"start": day(0, 0).isoformat(),
                                      "end": day(7 * 40, 0).isoformat()},
                              headers=world.auth("viewer"))
        assert too_long.status_code == 422
        assert error_fields(too_long) == ["query.end"]
        kind = client.get(world.path("/calendar"), params={"kind": "promo"},
                          headers=world.auth("viewer"))
        assert kind.status_code == 422
        assert error_fields(kind) == ["query.kind"]


# ---- the demo workspace ---------------------------------------------------------------


DEMO_TODAY = date(2026, 11, 25)  # a Wednesday


class TestDemoWorkspace:
    """The issue's "Done when": in the demo's current week, the rhythmic LinkedIn
    channel has no findings and the loud Instagram one asks too often."""

    def test_this_week_in_the_demo(self, client, session):
        from app.demo import load_demo
        from app.services.tokens import create_token

        result = load_demo(session=session, today=DEMO_TODAY)
        workspace = result.workspace
        _, secret = create_token(session=session, workspace=workspace, role="viewer",
                                 name="test", created_by_id=None)
        session.commit()
        channels = {c.name: c.id for c in session.exec(
            select(Channel).where(Channel.workspace_id == workspace.id)).all()}
        linkedin, instagram = channels["LinkedIn – Demo Café"], channels["Instagram – Demo Café"]
        headers = {"Authorization": f"Bearer {secret}"}
        base = f"/api/v1/workspaces/{workspace.id}"
        monday = local_monday(DEMO_TODAY - timedelta(days=DEMO_TODAY.weekday()))
        week = {"start": monday.isoformat(), "end": (monday + timedelta(days=7)).isoformat()}

        findings = client.get(f"{base}/findings", params=week, headers=headers)
        assert findings.status_code == 200
        items: Sequence[dict[str, Any]] = findings.json()["items"]
        assert [f for f in items if f["channel_id"] == linkedin] == []
        loud = {f["code"] for f in items if f["channel_id"] == instagram}
        assert {"ask_density", "ask_too_soon"} <= loud

        calendar = client.get(f"{base}/calendar", params=week, headers=headers)
        assert calendar.status_code == 200
        body = calendar.json()
        assert [w["week"] for w in body["weeks"]] == ["2026-W48"]
        assert body["findings"] == [
            {k: v for k, v in f.items() if k not in ("suggestions", "weeks")} for f in items]
        steady, noisy = gauge(body["weeks"][0], linkedin), gauge(body["weeks"][0], instagram)
        assert steady["on_rhythm"] is True
        assert steady["findings"] == {"info": 0, "warning": 0, "blocking": 0}
        # The demo starts four weeks before this Monday: this week is days 28 to 34,
        # LinkedIn asks on day 29 only, Instagram on the odd days.
        assert (steady["gives"], steady["asks"]) == (6, 1)
        assert noisy["on_rhythm"] is False
        assert noisy["findings"]["blocking"] >= 1
        assert (noisy["gives"], noisy["asks"]) == (4, 3)
