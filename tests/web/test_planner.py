"""Planning through the pages without JavaScript (plain form posts) and with
HTMX fragments: errors next to the field, nothing half-saved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import func, select

from app.models import Post
from tests.web.test_login import csrf_from


def sign_in(client, world, role="editor") -> str:  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login").text)
    client.post("/login", data={"email": world.users[role], "password": world.passwords[role],
                                "csrf_token": token})
    page = client.get(f"/w/{world.workspace_id}/calendar")
    return page.text.split('"X-CSRF-Token": "')[1].split('"')[0]


def post_count(session) -> int:  # type: ignore[no-untyped-def]
    return session.exec(select(func.count()).select_from(Post)).one()


def form(world, csrf, **fields):  # type: ignore[no-untyped-def]
    day = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    data = {"csrf_token": csrf, "channel_id": world.channel_id, "date": day, "time": "09:00",
            "kind": "give", "category": "", "text": "A useful tip", "link": ""}
    data.update(fields)
    return data


class TestPlainFormPosts:
    def test_creating_without_javascript_redirects_to_the_calendar(self, client, world, session):
        csrf = sign_in(client, world)
        before = post_count(session)
        response = client.post(f"/w/{world.workspace_id}/posts", data=form(world, csrf),
                               follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith(f"/w/{world.workspace_id}/calendar")
        assert post_count(session) == before + 1

    def test_empty_text_is_shown_next_to_the_field_and_nothing_saved(self, client, world,
                                                                    session):
        csrf = sign_in(client, world)
        before = post_count(session)
        response = client.post(f"/w/{world.workspace_id}/posts", data=form(world, csrf, text=" "))
        assert response.status_code == 422
        assert 'id="text-error"' in response.text
        assert post_count(session) == before

    def test_unknown_channel_is_shown_next_to_the_channel(self, client, world, session):
        csrf = sign_in(client, world)
        before = post_count(session)
        response = client.post(f"/w/{world.workspace_id}/posts",
                               data=form(world, csrf, channel_id="no-such-channel"))
        assert response.status_code == 422
        assert 'id="channel-error"' in response.text
        assert post_count(session) == before

    def test_category_of_the_other_kind_is_shown_next_to_category(self, client, world):
        csrf = sign_in(client, world)
        response = client.post(f"/w/{world.workspace_id}/posts",
                               data=form(world, csrf, category="sale"))
        assert response.status_code == 422
        assert 'id="category-error"' in response.text

    def test_a_double_submitted_form_creates_one_post(self, client, world, session):
        csrf = sign_in(client, world)
        before = post_count(session)
        data = form(world, csrf, form_token="0193-same-token")
        first = client.post(f"/w/{world.workspace_id}/posts", data=data,
                            headers={"HX-Request": "true"})
        second = client.post(f"/w/{world.workspace_id}/posts", data=data,
                             headers={"HX-Request": "true"})
        assert first.status_code == second.status_code == 200
        assert "already saved" in second.text
        assert post_count(session) == before + 1

    def test_a_stale_edit_shows_the_fresh_post_and_overwrites_nothing(self, client, world,
                                                                     session):
        csrf = sign_in(client, world)
        client.post(f"/w/{world.workspace_id}/posts", data=form(world, csrf, text="Original"))
        post = session.exec(select(Post).where(Post.text == "Original")).one()
        other = client.post(f"/w/{world.workspace_id}/posts/{post.id}",
                            data=form(world, csrf, text="Someone else's edit", version="1"),
                            follow_redirects=False)
        assert other.status_code == 303
        stale = client.post(f"/w/{world.workspace_id}/posts/{post.id}",
                            data=form(world, csrf, text="My late edit", version="1"))
        assert stale.status_code == 412
        assert "Someone else changed this post" in stale.text
        assert "Someone else&#39;s edit" in stale.text  # the fresh text, escaped
        session.expire_all()
        assert session.get(Post, post.id).text == "Someone else's edit"

    def test_the_live_check_warns_before_saving(self, client, world, session):
        csrf = sign_in(client, world)
        day = datetime.now(UTC).date() + timedelta(days=20)
        for n in range(8):
            client.post(f"/w/{world.workspace_id}/posts", data=form(
                world, csrf, date=(day - timedelta(days=8 - n)).isoformat(), text=f"give {n}"))
        client.post(f"/w/{world.workspace_id}/posts",
                    data=form(world, csrf, date=day.isoformat(), kind="ask", text="Our sale"))
        before = post_count(session)
        check = client.post(f"/w/{world.workspace_id}/check", data=form(
            world, csrf, date=(day + timedelta(days=1)).isoformat(), kind="ask",
            text="Another sale"))
        assert check.status_code == 200
        assert 'data-code="ask_too_soon"' in check.text
        assert post_count(session) == before

    def test_a_past_time_is_allowed_but_marked(self, client, world):
        csrf = sign_in(client, world)
        past = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
        check = client.post(f"/w/{world.workspace_id}/check", data=form(world, csrf, date=past))
        assert 'data-note="past"' in check.text

    def test_moving_keeps_the_time_of_day(self, client, world, session):
        csrf = sign_in(client, world)
        client.post(f"/w/{world.workspace_id}/posts",
                    data=form(world, csrf, text="Move me", time="14:45"))
        post = session.exec(select(Post).where(Post.text == "Move me")).one()
        target = (datetime.now(UTC) + timedelta(days=15)).date()
        response = client.post(f"/w/{world.workspace_id}/posts/{post.id}/move",
                               data={"csrf_token": csrf, "date": target.isoformat(),
                                     "version": str(post.version)}, follow_redirects=False)
        assert response.status_code == 303
        session.expire_all()
        moved = session.get(Post, post.id)
        local = moved.scheduled_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
        assert (local.date(), local.strftime("%H:%M")) == (target, "14:45")


class TestViewerPages:
    def test_viewer_cannot_post_forms(self, client, world, session):
        csrf = sign_in(client, world, "viewer")
        before = post_count(session)
        response = client.post(f"/w/{world.workspace_id}/posts", data=form(world, csrf))
        assert response.status_code == 403
        assert post_count(session) == before

    def test_calendar_shows_week_gauge(self, client, world):
        sign_in(client, world, "viewer")
        page = client.get(f"/w/{world.workspace_id}/calendar")
        assert "No posts" in page.text  # an empty week is neither on nor off rhythm
        assert 'href="/w/' in page.text and "New post" not in page.text
