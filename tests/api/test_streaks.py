"""Rhythm streaks: weeks on rhythm in a row per channel, up to this week, and
the best run; a warning breaks a streak, an info does not, a silent week ends
it, and this week without posts yet breaks nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from app.models import PlanFindings, User
from app.services import calendar_cache, streaks
from app.services.access import Principal, workspace_access
from tests.api.test_analysis import LONG_AGO, add_post, set_started_on
from tests.conftest import World
from tests.web.test_sessions import sign_in

BERLIN = ZoneInfo("Europe/Berlin")


def monday(weeks_from_now: int) -> date:
    today = datetime.now(BERLIN).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_from_now)


def plan_week(client, world: World, weeks_from_now: int, kinds: str) -> None:  # type: ignore[no-untyped-def]
    """One post a day from Monday: 'g' a give, 'a' an ask."""
    for offset, letter in enumerate(kinds):
        day = monday(weeks_from_now) + timedelta(days=offset)
        add_post(client, world, datetime.combine(day, time(10), tzinfo=BERLIN),
                 "ask" if letter == "a" else "give")


def streak_of(session: Session, world: World) -> streaks.Streak:
    viewer = session.exec(select(User).where(User.email == world.users["viewer"])).one()
    access = workspace_access(session=session, principal=Principal(user_id=viewer.id),
                              workspace_id=world.workspace_id)
    (found,) = streaks.streaks(session=session, access=access, now=datetime.now(UTC))
    return found


@pytest.mark.parametrize(("weeks", "expected"), [
    ([], (0, 0)),
    ([None], (0, 0)),
    ([True, True, False, True, True, True, None], (3, 3)),
    ([True, True, True, False, True], (1, 3)),
    ([False, True, None], (1, 1)),
])
def test_runs_count_the_latest_and_the_best(weeks, expected):
    assert streaks.runs(weeks) == expected


class TestStreaks:
    def test_a_warning_breaks_the_streak(self, client, world, session):
        set_started_on(client, world, LONG_AGO)
        plan_week(client, world, -3, "ggggggg")
        plan_week(client, world, -2, "aa")  # an ask the day after an ask: a warning
        plan_week(client, world, -1, "ggggggg")
        plan_week(client, world, 0, "gg")
        found = streak_of(session, world)
        assert (found.weeks, found.best) == (2, 2)

    def test_an_info_does_not(self, client, world, session):
        set_started_on(client, world, LONG_AGO)
        relaxed = client.put(world.path("/rules"), headers=world.auth("lead"), json={
            "preset": "beth_dunn", "severities": {code: "info" for code in (
                "ask_too_soon", "ask_too_early", "ask_density", "ask_run")}})
        assert relaxed.status_code == 200, relaxed.text
        plan_week(client, world, -3, "ggggggg")
        plan_week(client, world, -2, "aa")
        plan_week(client, world, -1, "ggggggg")
        plan_week(client, world, 0, "gg")
        found = streak_of(session, world)
        assert (found.weeks, found.best) == (4, 4)

    def test_a_silent_week_ends_it_and_this_empty_week_breaks_nothing(
            self, client, world, session):
        set_started_on(client, world, LONG_AGO)
        plan_week(client, world, -4, "ggggggg")
        plan_week(client, world, -3, "ggggggg")
        # week -2 silent
        plan_week(client, world, -1, "gggg")
        found = streak_of(session, world)  # nothing this week yet
        assert (found.weeks, found.best) == (1, 2)

    def test_the_calendar_says_it_in_one_line(self, client, world, session):
        set_started_on(client, world, LONG_AGO)
        plan_week(client, world, -1, "ggggggg")
        plan_week(client, world, 0, "g")
        sign_in(client, world.users["viewer"], world.passwords["viewer"])
        page = client.get(f"/w/{world.workspace_id}/calendar").text
        # The calendar asks for its line once it has arrived; a save never waits for it.
        assert f'hx-get="/w/{world.workspace_id}/streaks"' in page
        line = client.get(f"/w/{world.workspace_id}/streaks").text
        assert line.startswith('<p class="streaks"') and "2 weeks on rhythm" in line
        german = client.get(f"/w/{world.workspace_id}/streaks",
                            headers={"Accept-Language": "de"}).text
        assert "2 Wochen im Rhythmus" in german
        other = client.get(f"/w/{world.workspace_id}/streaks?channel=nope").text
        assert "weeks on rhythm" not in other

    def test_a_channel_never_on_rhythm_gets_no_row_of_zeros(self, client, world, session):
        set_started_on(client, world, LONG_AGO)
        sign_in(client, world.users["viewer"], world.passwords["viewer"])
        line = client.get(f"/w/{world.workspace_id}/streaks").text
        assert "on rhythm" not in line
        plan_week(client, world, -1, "g")
        line = client.get(f"/w/{world.workspace_id}/streaks").text
        assert "1 week on rhythm" in line


class TestTheKeptYear:
    def test_the_years_findings_are_kept_and_an_edit_or_a_rule_is_seen(
            self, client, world, session):
        set_started_on(client, world, LONG_AGO)
        plan_week(client, world, -2, "ggggggg")
        plan_week(client, world, -1, "ggggggg")
        plan_week(client, world, 0, "g")
        assert streak_of(session, world).weeks == 3
        session.commit()
        kept = session.exec(select(PlanFindings).where(
            PlanFindings.workspace_id == world.workspace_id,
            PlanFindings.scope == world.channel_id)).all()
        # One row for the year, 52 weeks long, besides any calendar week's.
        assert [round((r.range_end - r.range_start).days / 7) for r in kept
                if (r.range_end - r.range_start).days > 42] == [52]
        # An ask the day after an ask, last week: the kept year must not hide it.
        plan_week(client, world, -1, "a")
        add_post(client, world, datetime.combine(monday(-1) + timedelta(days=1), time(11),
                                                 tzinfo=BERLIN), "ask")
        calendar_cache.KEPT.clear()  # nothing kept in the process: only the table
        assert streak_of(session, world).weeks == 1
        # And the rules: with asks close together only an info, the week counts again.
        relaxed = client.put(world.path("/rules"), headers=world.auth("lead"), json={
            "preset": "beth_dunn", "severities": {code: "info" for code in (
                "ask_too_soon", "ask_too_early", "ask_density", "ask_run")}})
        assert relaxed.status_code == 200, relaxed.text
        calendar_cache.KEPT.clear()
        assert streak_of(session, world).weeks == 3

    def test_an_api_client_cannot_keep_a_year_range(self, client, world, session):
        start = datetime.combine(monday(-51), time(0), tzinfo=BERLIN)
        response = client.get(world.path("/calendar"), headers=world.auth("viewer"), params={
            "start": start.isoformat(),
            "end": (start + timedelta(weeks=52)).isoformat()})
        assert response.status_code in (200, 422), response.text
        session.expire_all()
        long_rows = [r for r in session.exec(select(PlanFindings).where(
            PlanFindings.workspace_id == world.workspace_id)).all()
            if (r.range_end - r.range_start).days > 42]
        assert long_rows == []
