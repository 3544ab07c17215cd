"""The page a share link opens: its days of the plan and nothing else, gone once the
link is withdrawn or expired, and comments that land in the post's thread."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from app.crash_guard import redact_path
from app.db import utcnow
from app.models import AuditEvent, Channel, Comment, ShareLink
from tests.conftest import build_world
from tests.web.test_planner import sign_in

# Workspaces are in Europe/Berlin (UTC+1 in December). The link shows Tue 15 to
# Thu 17 December 2026: the Monday and Friday of that week are not its days.
INSIDE = {"first": "2026-12-15T00:00:00+01:00", "last": "2026-12-17T23:59:00+01:00"}
OUTSIDE = {"before": "2026-12-14T23:59:00+01:00", "after": "2026-12-18T00:00:00+01:00",
           "week before": "2026-12-09T10:00:00+01:00"}


def plan(client, world, text, at, kind="give", channel_id=None):  # type: ignore[no-untyped-def]
    response = client.post(world.path("/posts"), headers=world.auth("editor"), json={
        "channel_id": channel_id or world.channel_id, "scheduled_at": at, "kind": kind,
        "text": text})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def share(client, world, **body):  # type: ignore[no-untyped-def]
    payload = {"starts_on": "2026-12-15", "ends_on": "2026-12-17", "label": "Café Nord",
               **body}
    response = client.post(world.path("/share-links"), headers=world.auth("lead"), json=payload)
    assert response.status_code == 201, response.text
    return response.json()


def path_of(link) -> str:  # type: ignore[no-untyped-def]
    return "/s/" + link["url"].rsplit("/s/", 1)[1]


def form_token(html: str) -> str:
    return html.split('name="form_token" value="')[1].split('"')[0]


def comment(client, link, post_id, page, **fields):  # type: ignore[no-untyped-def]
    data = {"form_token": form_token(page), "name": "Nora from Café Nord",
            "comment": "Love this one.", **fields}
    return client.post(f"{path_of(link)}/posts/{post_id}/comments", data=data,
                       follow_redirects=False)


@pytest.fixture()
def second_channel(session, world):  # type: ignore[no-untyped-def]
    channel = Channel(workspace_id=world.workspace_id, name="Instagram – Acme",
                      platform="instagram")
    session.add(channel)
    session.commit()
    return channel.id


class TestWhatItShows:
    def test_its_days_and_nothing_around_them(self, client, world, session, second_channel):
        for name, at in {**INSIDE, **OUTSIDE}.items():
            plan(client, world, f"Post {name} on LinkedIn", at)
        plan(client, world, "Post first on Instagram", INSIDE["first"], channel_id=second_channel)
        other = build_world(session, name="Other Co")
        plan(client, other, "Post of another workspace", INSIDE["first"])

        page = client.get(path_of(share(client, world)))
        assert page.status_code == 200
        text = page.text
        assert "Post first on LinkedIn" in text and "Post last on LinkedIn" in text
        assert "Post first on Instagram" in text  # no channel: every channel
        for name in OUTSIDE:
            assert f"Post {name}" not in text
        assert "another workspace" not in text
        assert "Café Nord" in text and "Acme" in text

    def test_one_channel_shows_only_that_channel(self, client, world, second_channel):
        plan(client, world, "LinkedIn inside", INSIDE["first"])
        plan(client, world, "Instagram inside", INSIDE["first"], channel_id=second_channel)
        text = client.get(path_of(share(client, world, channel_id=second_channel))).text
        assert "Instagram inside" in text and "LinkedIn inside" not in text
        assert "LinkedIn – Acme" not in text

    def test_the_gauges_count_only_the_days_shown(self, client, world):
        plan(client, world, "An ask inside", INSIDE["first"], kind="ask")
        plan(client, world, "A give inside", INSIDE["last"])
        for name in ("before", "after"):
            plan(client, world, f"An ask {name}", OUTSIDE[name], kind="ask")
        text = client.get(path_of(share(client, world))).text
        assert "Gives 1 · Asks 1" in text

    def test_the_findings_of_the_posts_shown_and_no_others(self, client, world):
        inside = plan(client, world, "An ask inside", INSIDE["first"], kind="ask")
        outside = plan(client, world, "An ask after", OUTSIDE["after"], kind="ask")
        findings = client.get(world.path("/findings"), headers=world.auth("viewer"), params={
            "start": "2026-12-01T00:00:00+01:00", "end": "2026-12-31T00:00:00+01:00"}
        ).json()["items"]
        ours = [f for f in findings if inside in f["post_ids"]]
        theirs = [f for f in findings if f["post_ids"] == [outside]]
        assert ours and theirs
        text = html.unescape(client.get(path_of(share(client, world))).text)
        for finding in ours:
            assert finding["message"] in text
        for finding in theirs:
            assert finding["message"] not in text

    def test_it_links_nowhere_in_the_app(self, client, world):
        post_id = plan(client, world, "Inside", INSIDE["first"])
        text = client.get(path_of(share(client, world))).text
        assert not re.search(r'(href|action|hx-get|hx-post)="/w/', text)
        assert 'href="/"' not in text
        assert f'href="#post-{post_id}"' in text  # the grid points to the post below

    def test_it_keeps_its_secret(self, client, world):
        page = client.get(path_of(share(client, world)))
        assert page.headers["referrer-policy"] == "no-referrer"
        assert "noindex" in page.headers["x-robots-tag"]
        assert page.headers["cache-control"] == "no-store"
        assert "set-cookie" not in page.headers and not client.cookies

    def test_logs_show_the_link_cut(self):
        assert redact_path("/s/gks_secret123/posts/p1/comments?x=1") == (
            "/s/…/posts/p1/comments?x=1")
        assert redact_path("/static/app.css") == "/static/app.css"

    def test_each_post_says_its_status(self, client, world):
        plan(client, world, "Inside", INSIDE["first"])
        text = client.get(path_of(share(client, world))).text
        assert 'class="status status-draft">draft<' in text


class TestWhenItEnds:
    def test_a_withdrawn_link_shows_nothing(self, client, world):
        plan(client, world, "Secret plan", INSIDE["first"])
        link = share(client, world)
        assert client.get(path_of(link)).status_code == 200
        client.delete(f"{world.path('/share-links')}/{link['id']}", headers=world.auth("lead"))
        page = client.get(path_of(link))
        assert page.status_code == 404
        assert "expired or was withdrawn" in page.text and "Secret plan" not in page.text
        assert page.headers["referrer-policy"] == "no-referrer"

    def test_an_expired_link_shows_nothing(self, client, world, session):
        plan(client, world, "Secret plan", INSIDE["first"])
        link = share(client, world)
        stored = session.get(ShareLink, link["id"])
        stored.expires_at = utcnow() - timedelta(seconds=1)
        session.add(stored)
        session.commit()
        page = client.get(path_of(link))
        assert page.status_code == 404 and "Secret plan" not in page.text

    @pytest.mark.parametrize("token", ["gks_nothing", "nothing", "gks_" + "x" * 200])
    def test_an_unknown_link_shows_nothing(self, client, world, token):
        page = client.get(f"/s/{token}")
        assert page.status_code == 404 and "ask the team for a new one" in page.text


class TestGuestComments:
    def test_a_comment_lands_in_the_posts_thread(self, client, world, session):
        post_id = plan(client, world, "Inside", INSIDE["first"])
        link = share(client, world)
        page = client.get(path_of(link)).text
        response = comment(client, link, post_id, page)
        assert response.status_code == 303
        assert response.headers["location"].startswith(f"{path_of(link)}?commented={post_id}")
        saved = session.exec(select(Comment).where(Comment.post_id == post_id)).one()
        assert (saved.kind, saved.guest_name, saved.share_link_id, saved.author_id,
                saved.body) == ("guest", "Nora from Café Nord", link["id"], None,
                                "Love this one.")
        event = session.exec(select(AuditEvent).where(AuditEvent.subject_id == post_id,
                                                      AuditEvent.action == "guest_commented")
                             ).one()
        assert event.actor_id is None and "Nora from Café Nord" in event.note
        again = client.get(response.headers["location"]).text
        assert "your comment is with the team" in again and "Love this one." in again

        listed = client.get(f"{world.path('/share-links')}/{link['id']}",
                            headers=world.auth("lead")).json()
        assert listed["guest_comments"] == 1
        thread = client.get(world.path(f"/posts/{post_id}/comments"),
                            headers=world.auth("viewer")).json()["items"]
        assert [(c["kind"], c["guest_name"], c["share_link_id"], c["author"]) for c in thread] == [
            ("guest", "Nora from Café Nord", link["id"], None)]

        sign_in(client, world, "editor")
        dialog = client.get(f"/w/{world.workspace_id}/posts/{post_id}/edit").text
        assert "Nora from Café Nord" in dialog
        assert "(guest, via share link &#39;Café Nord&#39;)" in dialog
        assert "Love this one." in dialog

    @pytest.mark.parametrize("where", ["before", "after"])
    def test_a_post_outside_the_days_is_a_404(self, client, world, session, where):
        plan(client, world, "Inside", INSIDE["first"])
        outside = plan(client, world, "Outside", OUTSIDE[where])
        link = share(client, world)
        response = comment(client, link, outside, client.get(path_of(link)).text)
        assert response.status_code == 404
        assert session.exec(select(Comment)).all() == []

    def test_a_post_of_another_workspace_or_channel_is_a_404(self, client, world, session,
                                                             second_channel):
        plan(client, world, "Inside", INSIDE["first"])
        other = build_world(session, name="Other Co")
        theirs = plan(client, other, "Theirs", INSIDE["first"])
        elsewhere = plan(client, world, "Instagram", INSIDE["first"], channel_id=second_channel)
        link = share(client, world, channel_id=world.channel_id)
        page = client.get(path_of(link)).text
        assert comment(client, link, theirs, page).status_code == 404
        assert comment(client, link, elsewhere, page).status_code == 404
        assert comment(client, link, "x" * 500, page).status_code == 404
        assert session.exec(select(Comment)).all() == []

    @pytest.mark.parametrize("fields, field, words", [
        ({"name": "  "}, "name", "Say who you are"),
        ({"name": "n" * 121}, "name", "120 characters"),
        ({"comment": ""}, "comment", "Write your comment"),
        ({"comment": "b" * 2001}, "comment", "2000 characters"),
    ])
    def test_bad_input_is_told_next_to_the_field(self, client, world, session, fields, field,
                                                 words):
        post_id = plan(client, world, "Inside", INSIDE["first"])
        link = share(client, world)
        response = comment(client, link, post_id, client.get(path_of(link)).text, **fields)
        assert response.status_code == 422
        error = re.search(rf'<p class="field-error" id="{field}-{post_id}-error">([^<]*)</p>',
                          response.text)
        assert error and words in error.group(1)
        assert session.exec(select(Comment)).all() == []

    def test_a_form_from_elsewhere_is_refused(self, client, world, session):
        post_id = plan(client, world, "Inside", INSIDE["first"])
        link = share(client, world)
        response = client.post(f"{path_of(link)}/posts/{post_id}/comments",
                               data={"name": "Mallory", "comment": "Buy now", "form_token": "x"})
        assert response.status_code == 403
        assert session.exec(select(Comment)).all() == []

    def test_a_link_for_reading_only_takes_no_comments(self, client, world, session):
        post_id = plan(client, world, "Inside", INSIDE["first"])
        link = share(client, world, allow_comments=False)
        page = client.get(path_of(link)).text
        assert "Comment on this post" not in page
        response = client.post(f"{path_of(link)}/posts/{post_id}/comments",
                               data={"name": "Nora", "comment": "Hi", "form_token": "x"})
        assert response.status_code == 403
        assert session.exec(select(Comment)).all() == []

    def test_an_archived_workspace_is_still_shown_but_takes_no_comments(self, client, world,
                                                                          session):
        post_id = plan(client, world, "Inside", INSIDE["first"])
        link = share(client, world)
        page = client.get(path_of(link)).text
        assert "Comment on this post" in page
        archived = client.patch(world.path(), headers=world.auth("admin"),
                                json={"archived": True})
        assert archived.status_code == 200, archived.text
        shown = client.get(path_of(link))
        assert shown.status_code == 200 and "Inside" in shown.text
        assert "Comment on this post" not in shown.text
        response = comment(client, link, post_id, page)
        assert response.status_code == 403
        assert "archived" in response.text
        assert session.exec(select(Comment)).all() == []

    def test_a_withdrawn_link_takes_no_comments(self, client, world, session):
        post_id = plan(client, world, "Inside", INSIDE["first"])
        link = share(client, world)
        page = client.get(path_of(link)).text
        client.delete(f"{world.path('/share-links')}/{link['id']}", headers=world.auth("lead"))
        assert comment(client, link, post_id, page).status_code == 404
        assert session.exec(select(Comment)).all() == []

    def test_a_flood_of_comments_is_slowed_down(self, client, world, session):
        post_id = plan(client, world, "Inside", INSIDE["first"])
        link = share(client, world)
        page = client.get(path_of(link)).text
        statuses = [comment(client, link, post_id, page, comment=f"Comment {i}").status_code
                    for i in range(8)]
        assert statuses[:6] == [303] * 6
        assert statuses[6:] == [429, 429]
        slowed = comment(client, link, post_id, page, comment="One more")
        assert "wait a minute" in slowed.text and slowed.headers["retry-after"] == "60"
        assert len(session.exec(select(Comment)).all()) == 6


def csrf_of(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


class TestTheTeamsPage:
    def test_a_lead_makes_a_link_and_sees_it_once(self, client, world, session):
        sign_in(client, world, "lead")
        page = client.get(f"/w/{world.workspace_id}/shares")
        assert page.status_code == 200 and 'type="week"' in page.text
        made = client.post(f"/w/{world.workspace_id}/shares", data={
            "csrf_token": csrf_of(page.text), "mode": "week", "week": "2026-W51",
            "label": "Café Nord", "expires_in_days": "7", "allow_comments": "on"})
        assert made.status_code == 200
        url = re.search(r'id="share-url" readonly value="([^"]+)"', made.text).group(1)
        stored = session.exec(select(ShareLink)).one()
        assert (stored.starts_on.isoformat(), stored.ends_on.isoformat(), stored.label) == (
            "2026-12-14", "2026-12-20", "Café Nord")
        assert "Active" in made.text and "Withdraw" in made.text
        again = client.get(f"/w/{world.workspace_id}/shares").text
        assert url not in again and "Café Nord" in again
        client.cookies.clear()
        assert client.get("/s/" + url.rsplit("/s/", 1)[1]).status_code == 200

    def test_a_range_with_its_end_before_its_start_is_told(self, client, world, session):
        sign_in(client, world, "lead")
        page = client.get(f"/w/{world.workspace_id}/shares").text
        response = client.post(f"/w/{world.workspace_id}/shares", data={
            "csrf_token": csrf_of(page), "mode": "range", "starts_on": "2026-12-17",
            "ends_on": "2026-12-15", "expires_in_days": "7"})
        assert response.status_code == 422
        assert 'id="share-to-error">Must not be before starts_on' in response.text
        assert session.exec(select(ShareLink)).all() == []

    def test_withdrawing_from_the_page(self, client, world, session):
        link = share(client, world)
        sign_in(client, world, "lead")
        page = client.get(f"/w/{world.workspace_id}/shares").text
        response = client.post(f"/w/{world.workspace_id}/shares/{link['id']}/revoke",
                               data={"csrf_token": csrf_of(page)}, follow_redirects=False)
        assert response.status_code == 303
        assert "Withdrawn" in client.get(f"/w/{world.workspace_id}/shares").text
        assert client.get(path_of(link)).status_code == 404

    @pytest.mark.parametrize("role", ["viewer", "editor"])
    def test_editors_and_viewers_may_not(self, client, world, role):
        link = share(client, world)
        sign_in(client, world, role)
        assert client.get(f"/w/{world.workspace_id}/shares").status_code == 403
        csrf = csrf_of(client.get(f"/w/{world.workspace_id}/calendar").text)
        response = client.post(f"/w/{world.workspace_id}/shares/{link['id']}/revoke",
                               data={"csrf_token": csrf}, follow_redirects=False)
        assert response.status_code == 403

    def test_the_week_review_offers_to_share_the_week(self, client, world):
        sign_in(client, world, "lead")
        review = client.get(f"/w/{world.workspace_id}/approvals/2026-W51").text
        assert f'href="/w/{world.workspace_id}/shares?week=2026-W51"' in review
        page = client.get(f"/w/{world.workspace_id}/shares?week=2026-W51").text
        assert 'name="week" value="2026-W51"' in page
