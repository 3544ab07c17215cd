"""The channels page, without JavaScript: add, rename, re-date, archive and
bring back channels; errors next to the field and nothing saved; viewers read
only; archived channels and text limits refused in the post dialog; empty states
that say what to do."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import func, select

from app.models import Channel, Post
from tests.web.test_planner import form, sign_in

BERLIN = ZoneInfo("Europe/Berlin")


def page_of(client, world) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(client.get(f"/w/{world.workspace_id}/channels").text)


def channels(session) -> list[Channel]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.exec(select(Channel).order_by(Channel.name)).all())


def post_count(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(Post)).one())


def add(client, world, csrf, **fields):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf, "name": "Mastodon – Acme", "platform": "mastodon",
            "started_on": "", **fields}
    return client.post(f"/w/{world.workspace_id}/channels", data=data, follow_redirects=False)


def change(client, world, csrf, channel, **fields):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf, "name": channel.name, "platform": channel.platform,
            "started_on": channel.started_on.isoformat() if channel.started_on else "",
            "version": str(channel.version), **fields}
    return client.post(f"/w/{world.workspace_id}/channels/{channel.id}", data=data,
                       follow_redirects=False)


def archive(client, world, csrf, channel, action="archive"):  # type: ignore[no-untyped-def]
    return client.post(f"/w/{world.workspace_id}/channels/{channel.id}/{action}",
                       data={"csrf_token": csrf, "version": str(channel.version)},
                       follow_redirects=False)


def the_channel(session, world) -> Channel:  # type: ignore[no-untyped-def]
    session.expire_all()
    channel = session.get(Channel, world.channel_id)
    assert channel is not None
    return channel


def error_of(text: str, field_id: str) -> str:
    found = re.search(rf'id="{re.escape(field_id)}-error">([^<]*)<', text)
    return html.unescape(found.group(1)) if found else ""


class TestList:
    def test_lists_platform_limit_posts_and_listening(self, client, world, session):
        today = datetime.now(BERLIN).date()
        channel = the_channel(session, world)
        channel.started_on = today - timedelta(days=4)
        session.add(channel)
        session.commit()
        sign_in(client, world, "viewer")
        text = page_of(client, world)
        row = text.split(f'data-channel-id="{world.channel_id}"')[1].split("</tr>")[0]
        assert "LinkedIn – Acme" in row and "LinkedIn" in row and "3,000 characters" in row
        until = today + timedelta(days=10)
        assert f"asks from {until.strftime('%a')} {until.day} {until.strftime('%b %Y')}" in row
        assert "For the first 14 days of a channel (the rules' listen_days, 14 with Beth " \
            "Dunn's rhythm) Giveask flags asks: listen and give first." in text

    def test_an_empty_or_old_platform_reads_as_other_or_its_platform(self, client, world,
                                                                    session):
        session.add(Channel(workspace_id=world.workspace_id, name="Old", platform=""))
        session.add(Channel(workspace_id=world.workspace_id, name="Letters", platform="email"))
        session.commit()
        sign_in(client, world)
        text = page_of(client, world)
        old = text.split(">Old</strong>")[1].split("</tr>")[0]
        assert "<td>Other</td>" in old and "No limit" in old
        letters = text.split(">Letters</strong>")[1].split("</tr>")[0]
        assert "<td>Newsletter</td>" in letters

    def test_a_viewer_sees_the_list_read_only_and_may_not_post(self, client, world, session):
        csrf = sign_in(client, world, "viewer")
        text = page_of(client, world)
        assert "LinkedIn – Acme" in text
        assert "Add a channel" not in text and "Archive" not in text
        assert "Plan a first give" not in text
        assert f'action="/w/{world.workspace_id}/channels' not in text
        assert add(client, world, csrf).status_code == 403
        assert archive(client, world, csrf, the_channel(session, world)).status_code == 403
        assert [c.name for c in channels(session)] == ["LinkedIn – Acme"]
        assert the_channel(session, world).archived_at is None


class TestAdd:
    def test_an_editor_adds_a_channel(self, client, world, session):
        csrf = sign_in(client, world)
        response = add(client, world, csrf, started_on="2026-11-02")
        assert response.status_code == 303
        assert response.headers["location"] == f"/w/{world.workspace_id}/channels"
        added = next(c for c in channels(session) if c.name == "Mastodon – Acme")
        assert added.platform == "mastodon" and added.started_on == date(2026, 11, 2)
        assert "Mastodon – Acme" in page_of(client, world)

    def test_a_duplicate_name_is_shown_next_to_the_name_and_nothing_saved(self, client, world,
                                                                        session):
        csrf = sign_in(client, world)
        response = add(client, world, csrf, name="LinkedIn – Acme", platform="linkedin")
        assert response.status_code == 422
        assert "already used by another channel" in error_of(response.text, "new-name").lower()
        assert 'value="LinkedIn – Acme"' in html.unescape(response.text)
        assert len(channels(session)) == 1

    def test_a_bad_date_is_shown_next_to_the_date_and_nothing_saved(self, client, world,
                                                                   session):
        csrf = sign_in(client, world)
        response = add(client, world, csrf, started_on="2026-13-40")
        assert response.status_code == 422
        assert "pick one like 2026-11-02" in error_of(response.text, "new-started")
        assert not error_of(response.text, "new-name")
        assert len(channels(session)) == 1

    def test_an_unknown_platform_is_shown_next_to_the_platform(self, client, world, session):
        csrf = sign_in(client, world)
        response = add(client, world, csrf, platform="myspace")
        assert response.status_code == 422
        assert "must be one of linkedin" in error_of(response.text, "new-platform").lower()
        assert len(channels(session)) == 1

    def test_an_empty_name_is_needed(self, client, world, session):
        csrf = sign_in(client, world)
        response = add(client, world, csrf, name="  ")
        assert response.status_code == 422
        assert error_of(response.text, "new-name")
        assert len(channels(session)) == 1


class TestChange:
    def test_rename_change_platform_and_start(self, client, world, session):
        csrf = sign_in(client, world)
        channel = the_channel(session, world)
        version = channel.version
        response = change(client, world, csrf, channel, name="X – Acme", platform="x",
                          started_on="2026-10-01")
        assert response.status_code == 303
        changed = the_channel(session, world)
        assert (changed.name, changed.platform, changed.started_on) == \
            ("X – Acme", "x", date(2026, 10, 1))
        assert changed.version == version + 1

    def test_a_duplicate_rename_is_shown_on_that_channel_and_nothing_saved(
            self, client, world, session):
        csrf = sign_in(client, world)
        add(client, world, csrf)
        channel = the_channel(session, world)
        response = change(client, world, csrf, channel, name="Mastodon – Acme",
                          started_on="2026-10-01")
        assert response.status_code == 422
        assert "already used" in error_of(response.text, f"c-{channel.id}-name").lower()
        assert "<details open>" in response.text
        kept = the_channel(session, world)
        assert (kept.name, kept.started_on, kept.version) == ("LinkedIn – Acme", None, 1)

    def test_a_bad_date_in_a_change_saves_nothing(self, client, world, session):
        csrf = sign_in(client, world)
        channel = the_channel(session, world)
        response = change(client, world, csrf, channel, name="Renamed", started_on="soon")
        assert response.status_code == 422
        assert error_of(response.text, f"c-{channel.id}-started")
        assert the_channel(session, world).name == "LinkedIn – Acme"

    def test_a_stale_version_is_412_with_the_channel_as_it_is_now(self, client, world, session):
        csrf = sign_in(client, world)
        channel = the_channel(session, world)
        read_version = str(channel.version)
        assert change(client, world, csrf, channel, name="First").status_code == 303
        response = change(client, world, csrf, channel, name="Second", version=read_version)
        assert response.status_code == 412
        assert "Someone else changed this channel" in response.text
        assert the_channel(session, world).name == "First"


class TestArchive:
    def test_archive_and_unarchive(self, client, world, session):
        csrf = sign_in(client, world)
        assert archive(client, world, csrf, the_channel(session, world)).status_code == 303
        assert the_channel(session, world).archived_at is not None
        text = page_of(client, world)
        assert "Archived" in text and "Unarchive" in text
        back = archive(client, world, csrf, the_channel(session, world), "unarchive")
        assert back.status_code == 303
        assert the_channel(session, world).archived_at is None

    def test_an_archived_channel_is_refused_for_a_new_post_and_left_out(
            self, client, world, session):
        csrf = sign_in(client, world)
        add(client, world, csrf)
        archive(client, world, csrf, the_channel(session, world))
        before = post_count(session)
        response = client.post(f"/w/{world.workspace_id}/posts", data=form(world, csrf))
        assert response.status_code == 422
        assert "This channel is archived; its posts stay as history." in \
            error_of(response.text, "channel")
        assert post_count(session) == before
        dialog = client.get(f"/w/{world.workspace_id}/posts/new").text
        assert world.channel_id not in dialog and "Mastodon – Acme" in html.unescape(dialog)
        calendar = client.get(f"/w/{world.workspace_id}/calendar").text
        assert f'value="{world.channel_id}"' not in calendar

    def test_posts_of_an_archived_channel_still_show(self, client, world, session):
        csrf = sign_in(client, world)
        created = client.post(f"/w/{world.workspace_id}/posts",
                              data=form(world, csrf, text="Kept as history"),
                              follow_redirects=False)
        assert created.status_code == 303
        archive(client, world, csrf, the_channel(session, world))
        post = session.exec(select(Post).where(Post.text == "Kept as history")).one()
        day = post.scheduled_at.astimezone(BERLIN).date().isoformat()
        calendar = client.get(f"/w/{world.workspace_id}/calendar?view=list&date={day}").text
        assert "Kept as history" in calendar
        row = page_of(client, world).split(f'data-channel-id="{world.channel_id}"')[1]
        assert "<td>1" in row.split("</tr>")[0]

    def test_a_post_on_an_archived_channel_says_so_and_may_move_out(self, client, world,
                                                                     session):
        csrf = sign_in(client, world)
        add(client, world, csrf)
        client.post(f"/w/{world.workspace_id}/posts", data=form(world, csrf, text="Old one"))
        archive(client, world, csrf, the_channel(session, world))
        post = session.exec(select(Post).where(Post.text == "Old one")).one()
        dialog = html.unescape(client.get(f"/w/{world.workspace_id}/posts/{post.id}/edit").text)
        assert "This post's channel is archived" in dialog
        assert "LinkedIn – Acme (archived)" in dialog
        edited = client.post(f"/w/{world.workspace_id}/posts/{post.id}",
                             data=form(world, csrf, text="Changed", version=str(post.version)))
        assert edited.status_code == 422
        assert "archived" in error_of(edited.text, "channel")
        other = next(c for c in channels(session) if c.name == "Mastodon – Acme")
        moved = client.post(f"/w/{world.workspace_id}/posts/{post.id}",
                            data=form(world, csrf, text="Old one", channel_id=other.id,
                                      version=str(post.version)), follow_redirects=False)
        assert moved.status_code == 303

    def test_the_api_refuses_a_post_on_an_archived_channel(self, client, world, session):
        csrf = sign_in(client, world)
        archive(client, world, csrf, the_channel(session, world))
        response = client.post(f"/api/v1/workspaces/{world.workspace_id}/posts",
                               headers=world.auth("editor"),
                               json={"channel_id": world.channel_id, "kind": "give",
                                     "scheduled_at": "2030-01-07T09:00:00Z", "text": "Hi"})
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["channel_id"]


class TestTextLimit:
    def _x_channel(self, client, world, csrf, session) -> Channel:  # type: ignore[no-untyped-def]
        add(client, world, csrf, name="X – Acme", platform="x")
        return next(c for c in channels(session) if c.name == "X – Acme")

    def test_a_text_over_the_limit_is_refused_with_the_count(self, client, world, session):
        csrf = sign_in(client, world)
        x = self._x_channel(client, world, csrf, session)
        before = post_count(session)
        response = client.post(f"/w/{world.workspace_id}/posts",
                               data=form(world, csrf, channel_id=x.id, text="a" * 301))
        assert response.status_code == 422
        assert error_of(response.text, "text") == \
            "X posts can be at most 280 characters; this one has 301."
        assert "301 / 280 · 21 over" in response.text
        assert post_count(session) == before

    def test_line_breaks_count_once(self, client, world, session):
        csrf = sign_in(client, world)
        x = self._x_channel(client, world, csrf, session)
        text = "\r\n".join(["a" * 99] * 2) + "\r\n" + "b" * 80  # 280 characters
        response = client.post(f"/w/{world.workspace_id}/posts",
                               data=form(world, csrf, channel_id=x.id, text=text),
                               follow_redirects=False)
        assert response.status_code == 303

    def test_the_dialog_carries_each_channels_limit_for_the_counter(self, client, world,
                                                                    session):
        csrf = sign_in(client, world)
        x = self._x_channel(client, world, csrf, session)
        dialog = client.get(f"/w/{world.workspace_id}/posts/new?channel={x.id}").text
        assert re.search(rf'<option value="{x.id}" data-limit="280" data-platform="X" selected',
                         dialog)
        assert re.search(rf'<option value="{world.channel_id}" data-limit="3000"', dialog)
        assert 'id="text-counter"' in dialog and "0 / 280" in dialog


class TestEmptyStates:
    def _no_channel(self, session, world) -> None:  # type: ignore[no-untyped-def]
        session.delete(the_channel(session, world))
        session.commit()

    def test_the_calendar_without_a_channel_says_what_to_do(self, client, world, session):
        self._no_channel(session, world)
        sign_in(client, world)
        text = client.get(f"/w/{world.workspace_id}/calendar").text
        assert "Add your first channel to start planning" in text
        assert f'href="/w/{world.workspace_id}/channels"' in text.split("empty-state")[1]

    def test_a_viewer_is_told_an_editor_adds_channels(self, client, world, session):
        self._no_channel(session, world)
        sign_in(client, world, "viewer")
        text = client.get(f"/w/{world.workspace_id}/calendar").text
        assert "No channels yet; an editor adds them" in text
        assert "Add your first channel" not in text
        assert "No channels yet; an editor adds them" in page_of(client, world)

    def test_the_dialog_without_a_channel_links_to_the_channels_page(self, client, world,
                                                                     session):
        self._no_channel(session, world)
        sign_in(client, world)
        dialog = client.get(f"/w/{world.workspace_id}/posts/new").text
        assert 'name="channel_id"' not in dialog
        assert "No channel to plan on yet" in dialog
        assert f'href="/w/{world.workspace_id}/channels"' in dialog

    def test_a_channel_without_posts_offers_a_first_give(self, client, world, session):
        sign_in(client, world)
        text = page_of(client, world)
        link = f"/w/{world.workspace_id}/posts/new?channel={world.channel_id}&kind=give"
        assert f'href="{link}"' in text and "Plan a first give" in text
        assert "Listens 14 days from its first post" in text
        dialog = client.get(link).text
        assert re.search(rf'<option value="{world.channel_id}"[^>]* selected', dialog)
        assert re.search(r'value="give" checked', dialog)
