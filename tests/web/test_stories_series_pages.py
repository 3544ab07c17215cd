"""Stories, series and listening through the pages, without JavaScript: plain
form posts, errors next to the field, nothing half-saved."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import func, select

from app.models import Channel, Post, Series, Story
from tests.web.test_planner import form, sign_in

BERLIN = ZoneInfo("Europe/Berlin")


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.exec(select(func.count()).select_from(model)).one()


def create_story(client, world, csrf, **fields):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf, "name": "Winter blend launch", "goal": "",
            "min_gap_days": "2", "max_gap_days": "7", "min_gives_before_ask": "2", **fields}
    return client.post(f"/w/{world.workspace_id}/stories", data=data, follow_redirects=False)


def series_form(world, csrf, **fields):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf, "name": "Tip Monday", "channel_id": world.channel_id,
            "kind": "give", "category": "help", "text": "This week's tip.", "link": "",
            "starts_on": "2026-03-16", "time": "09:00", "repeat": "weekly", "rrule": "",
            "end": "count", "count": "4", "until": "", "skipped_dates": ""}
    data.update(fields)
    return data


class TestStoryPages:
    def test_an_editor_creates_a_story_and_plans_episodes_in_the_post_form(
            self, client, world, session):
        csrf = sign_in(client, world)
        response = create_story(client, world, csrf)
        assert response.status_code == 303
        story_path = response.headers["location"]
        story = session.exec(select(Story)).one()
        assert story_path == f"/w/{world.workspace_id}/stories/{story.id}"
        new_form = client.get(f"/w/{world.workspace_id}/posts/new")
        assert 'name="story_id"' in new_form.text and "Winter blend launch" in new_form.text
        for number, day in ((1, 10), (2, 11)):
            when = (datetime.now(UTC) + timedelta(days=day)).date().isoformat()
            saved = client.post(f"/w/{world.workspace_id}/posts", follow_redirects=False,
                                data=form(world, csrf, date=when, story_id=story.id,
                                          episode=str(number), text=f"Episode {number}"))
            assert saved.status_code == 303
        page = client.get(story_path)
        assert page.status_code == 200
        assert page.text.count('class="story-episode') == 2
        assert 'data-code="story_rushed"' in page.text  # one day apart, two required

    def test_a_repeated_episode_number_is_shown_next_to_the_field(self, client, world, session):
        csrf = sign_in(client, world)
        create_story(client, world, csrf)
        story = session.exec(select(Story)).one()
        client.post(f"/w/{world.workspace_id}/posts",
                    data=form(world, csrf, story_id=story.id, episode="1"))
        before = count(session, Post)
        response = client.post(f"/w/{world.workspace_id}/posts",
                               data=form(world, csrf, story_id=story.id, episode="1",
                                         text="Again"))
        assert response.status_code == 422
        assert 'id="episode-error"' in response.text
        assert "already planned" in response.text
        assert count(session, Post) == before

    def test_a_bad_story_form_keeps_what_was_typed(self, client, world, session):
        csrf = sign_in(client, world)
        response = create_story(client, world, csrf, name="Odd pace", min_gap_days="9")
        assert response.status_code == 422
        assert 's-min_gap_days-error' in response.text
        assert 'value="Odd pace"' in response.text
        assert count(session, Story) == 0

    def test_a_viewer_sees_the_story_but_no_forms(self, client, world, session):
        csrf = sign_in(client, world)
        create_story(client, world, csrf)
        story = session.exec(select(Story)).one()
        client.post("/logout", data={"csrf_token": csrf})
        sign_in(client, world, "viewer")
        page = client.get(f"/w/{world.workspace_id}/stories/{story.id}")
        assert page.status_code == 200
        assert "Winter blend launch" in page.text
        assert "Save story" not in page.text


class TestSeriesPages:
    def test_an_editor_plans_a_weekly_series_that_shows_in_the_calendar(
            self, client, world, session):
        csrf = sign_in(client, world)
        response = client.post(f"/w/{world.workspace_id}/series", data=series_form(world, csrf),
                               follow_redirects=False)
        assert response.status_code == 303
        series = session.exec(select(Series)).one()
        assert response.headers["location"] == f"/w/{world.workspace_id}/series/{series.id}"
        page = client.get(response.headers["location"])
        assert page.text.count("<tr data-post-id=") == 4
        assert "Every week on Mon" in page.text
        calendar = client.get(f"/w/{world.workspace_id}/calendar",
                              params={"view": "week", "date": "2026-03-30"})
        assert "↻ Tip Monday" in calendar.text

    def test_a_bad_rule_is_shown_next_to_the_field_and_nothing_saved(
            self, client, world, session):
        csrf = sign_in(client, world)
        response = client.post(f"/w/{world.workspace_id}/series", data=series_form(
            world, csrf, repeat="custom", rrule="FREQ=SOMETIMES"))
        assert response.status_code == 422
        assert 'id="r-rrule-error"' in response.text
        assert (count(session, Series), count(session, Post)) == (0, 0)

    def test_changing_from_a_date_and_deleting_from_a_date(self, client, world, session):
        csrf = sign_in(client, world)
        client.post(f"/w/{world.workspace_id}/series", data=series_form(world, csrf))
        series = session.exec(select(Series)).one()
        path = f"/w/{world.workspace_id}/series/{series.id}"
        changed = client.post(path, follow_redirects=False, data={
            **series_form(world, csrf, text="Spring tip."), "from": "2026-03-30",
            "version": str(series.version)})
        assert changed.status_code == 303
        texts = [p.text for p in session.exec(
            select(Post).where(Post.series_id == series.id).order_by(Post.scheduled_at))]
        assert texts == ["This week's tip.", "This week's tip.", "Spring tip.", "Spring tip."]
        deleted = client.post(f"{path}/delete", data={"csrf_token": csrf, "from": "2026-03-23"},
                              follow_redirects=False)
        assert deleted.status_code == 303 and deleted.headers["location"] == path
        left = session.exec(select(Post).where(Post.series_id == series.id)).all()
        assert [p.series_date for p in left] == [date(2026, 3, 16)]


    def test_deleting_needs_a_day_or_the_whole_series(self, client, world, session):
        csrf = sign_in(client, world)
        client.post(f"/w/{world.workspace_id}/series", data=series_form(world, csrf))
        series = session.exec(select(Series)).one()
        path = f"/w/{world.workspace_id}/series/{series.id}"
        refused = client.post(f"{path}/delete", data={"csrf_token": csrf, "from": ""})
        assert refused.status_code == 422
        assert 'id="r-delete-error"' in refused.text
        assert count(session, Post) == 4
        gone = client.post(f"{path}/delete", data={"csrf_token": csrf, "whole": "yes"},
                           follow_redirects=False)
        assert gone.headers["location"] == f"/w/{world.workspace_id}/series"
        assert (count(session, Series), count(session, Post)) == (0, 0)


class TestListening:
    def test_a_listening_channel_says_when_asks_may_start(self, client, world, session):
        today = datetime.now(BERLIN).date()
        channel = session.get(Channel, world.channel_id)
        channel.started_on = today - timedelta(days=4)  # Beth Dunn listens 14 days
        session.add(channel)
        session.commit()
        sign_in(client, world)
        page = client.get(f"/w/{world.workspace_id}/calendar")
        until = today + timedelta(days=10)
        assert "is listening: gives and questions only; asks from " \
            f"{until.strftime('%a')} {until.day} {until.strftime('%b')}" in page.text
        api = client.get(f"/api/v1/workspaces/{world.workspace_id}/calendar",
                         headers=world.auth("viewer")).json()
        assert api["channels"][0]["listening_until"] == until.isoformat()

    def test_no_note_once_listening_is_over(self, client, world, session):
        channel = session.get(Channel, world.channel_id)
        channel.started_on = date(2025, 1, 1)
        session.add(channel)
        session.commit()
        sign_in(client, world)
        assert "is listening" not in client.get(f"/w/{world.workspace_id}/calendar").text
        api = client.get(f"/api/v1/workspaces/{world.workspace_id}/calendar",
                         headers=world.auth("viewer")).json()
        assert api["channels"][0]["listening_until"] is None
