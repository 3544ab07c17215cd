"""What an editor and a viewer meet on the way through the pages: a duplicated
story episode saves as the next episode, a viewer's dialog runs no live check,
and refusals name the role in good English."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from app.models import Post
from tests.web.test_planner import form, sign_in


def story_post(client, world) -> dict:  # type: ignore[no-untyped-def]
    story = client.post(world.path("/stories"), headers=world.auth("editor"),
                        json={"name": "Winter launch"}).json()
    when = (datetime.now(UTC) + timedelta(days=12)).replace(microsecond=0).isoformat()
    post = client.post(world.path("/posts"), headers=world.auth("editor"), json={
        "channel_id": world.channel_id, "scheduled_at": when, "kind": "give",
        "text": "Episode one", "story_id": story["id"], "episode": 1})
    assert post.status_code == 201, post.text
    return dict(post.json())


class TestDuplicate:
    def test_a_duplicated_episode_saves_as_the_next_episode(self, client, world, session):
        original = story_post(client, world)
        csrf = sign_in(client, world, "editor")
        page = client.get(f"/w/{world.workspace_id}/posts/{original['id']}/duplicate")
        assert page.status_code == 200
        assert 'name="episode" inputmode="numeric" value="2"' in page.text
        assert "episode 2 of its story" in page.text
        day = page.text.split('name="date" value="')[1].split('"')[0]
        saved = client.post(f"/w/{world.workspace_id}/posts", follow_redirects=False,
                            data=form(world, csrf, date=day, text="Episode one",
                                      story_id=original["story_id"], episode="2"))
        assert saved.status_code == 303, saved.text
        episodes = sorted(p.episode for p in session.exec(
            select(Post).where(Post.story_id == original["story_id"])).all())
        assert episodes == [1, 2]

    def test_a_plain_post_duplicates_without_an_episode(self, client, world):
        when = (datetime.now(UTC) + timedelta(days=12)).replace(microsecond=0).isoformat()
        post = client.post(world.path("/posts"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "scheduled_at": when, "kind": "give",
            "text": "A tip"}).json()
        sign_in(client, world, "editor")
        page = client.get(f"/w/{world.workspace_id}/posts/{post['id']}/duplicate")
        assert "A copy, one day later. Change" in page.text


class TestViewers:
    def test_a_viewer_opening_a_post_runs_no_live_check(self, client, world):
        original = story_post(client, world)
        sign_in(client, world, "viewer")
        page = client.get(f"/w/{world.workspace_id}/posts/{original['id']}/edit")
        assert page.status_code == 200
        assert "Episode one" in page.text
        assert f'hx-post="/w/{world.workspace_id}/check"' not in page.text

    def test_an_editor_gets_the_live_check(self, client, world):
        original = story_post(client, world)
        sign_in(client, world, "editor")
        page = client.get(f"/w/{world.workspace_id}/posts/{original['id']}/edit")
        assert f'hx-post="/w/{world.workspace_id}/check"' in page.text

    def test_refusals_name_the_role_with_its_article(self, client, world):
        refused = client.post(world.path("/channels"), headers=world.auth("viewer"),
                              json={"name": "New"})
        assert refused.status_code == 403
        assert "only an editor or above" in refused.json()["detail"]
        refused = client.get(world.path("/tokens"), headers=world.auth("lead"))
        assert "only an admin" in refused.json()["detail"]
        refused = client.put(world.path("/rules"), headers=world.auth("editor"),
                             json={"preset": "beth_dunn"})
        assert "only a lead or above" in refused.json()["detail"]


class TestSeriesCounts:
    def test_the_series_page_counts_dates_skips_and_posts_alike(self, client, world):
        from datetime import date

        today = date.today()
        start = today - timedelta(days=today.weekday()) + timedelta(weeks=3)
        skipped = (start + timedelta(weeks=2)).isoformat()
        series = client.post(world.path("/series"), headers=world.auth("editor"), json={
            "name": "Tip Tuesday", "channel_id": world.channel_id, "kind": "give",
            "text": "A weekly tip", "rrule": "FREQ=WEEKLY", "starts_on": start.isoformat(),
            "time": "09:00", "count": 10, "skipped_dates": [skipped]})
        assert series.status_code == 201, series.text
        sign_in(client, world, "viewer")
        page = client.get(f"/w/{world.workspace_id}/series/{series.json()['id']}")
        assert "10 dates of the rule" in page.text
        assert f"Skipped: {skipped}" in page.text
        assert "(9 posts)" in page.text
        assert page.text.count("<tr data-post-id=") == 9


class TestWhatIfWords:
    def test_a_growing_stretch_is_told_as_one_change(self, client, world):
        start = datetime.now(UTC).date() + timedelta(days=30)
        for n in range(9):
            when = datetime(start.year, start.month, start.day, 9, tzinfo=UTC) + timedelta(days=n)
            response = client.post(world.path("/posts"), headers=world.auth("editor"), json={
                "channel_id": world.channel_id, "scheduled_at": when.isoformat(),
                "kind": "ask" if n % 2 else "give", "text": f"Post {n}"})
            assert response.status_code == 201
        csrf = sign_in(client, world)
        check = client.post(f"/w/{world.workspace_id}/check", data=form(
            world, csrf, date=(start + timedelta(days=9)).isoformat(), time="12:00",
            kind="ask", text="One more offer"))
        assert check.status_code == 200
        assert "makes the dense stretch longer (now " in check.text
        changed = check.text.split('class="check-list changed"')[1].split("</ul>")[0]
        assert changed.count('data-code="ask_density"') == 1
        resolved = check.text.split("It would resolve:")[1] if "It would resolve:" in \
            check.text else ""
        assert 'data-code="ask_density"' not in resolved


def too_soon(client, world) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    """Nine gives, an ask, a give and an ask: the second ask is too soon."""
    start = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=40)
    kinds = ["give"] * 9 + ["ask", "give", "ask"]
    ids = []
    for n, kind in enumerate(kinds):
        response = client.post(world.path("/posts"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "scheduled_at": (start + timedelta(days=n))
            .isoformat(), "kind": kind, "text": f"Post {n}"})
        ids.append(response.json()["id"])
    findings = client.get(world.path("/findings"), headers=world.auth("editor"), params={
        "start": start.isoformat(), "end": (start + timedelta(days=20)).isoformat()}).json()
    finding = next(f for f in findings["items"] if f["code"] == "ask_too_soon")
    assert finding["suggestions"], finding
    return ids[-1], finding


class TestApplyWithoutJavaScript:
    def test_apply_shows_what_changed_and_undo_puts_it_back(self, client, world, session):
        post_id, finding = too_soon(client, world)
        fix = finding["suggestions"][0]
        before = client.get(world.path(f"/posts/{post_id}"), headers=world.auth("editor")).json()
        csrf = sign_in(client, world, "editor")
        page = client.post(f"/w/{world.workspace_id}/suggestions/apply", data={
            "csrf_token": csrf, "changes": json.dumps(fix["changes"]),
            "summary": fix["summary"]})
        assert page.status_code == 200
        assert f"Applied: {fix['summary']}." in page.text
        undo = page.text.split('name="changes" value="')[1].split('"')[0]
        after = client.get(world.path(f"/posts/{post_id}"), headers=world.auth("editor")).json()
        assert (after["scheduled_at"], after["kind"]) != (before["scheduled_at"], before["kind"])
        back = client.post(f"/w/{world.workspace_id}/suggestions/apply", data={
            "csrf_token": csrf, "changes": undo.replace("&#34;", '"').replace("&quot;", '"'),
            "undo": "yes"}, follow_redirects=False)
        assert back.status_code == 303
        restored = client.get(world.path(f"/posts/{post_id}"),
                              headers=world.auth("editor")).json()
        assert (restored["scheduled_at"], restored["kind"]) == (before["scheduled_at"],
                                                                before["kind"])

    def test_a_stale_fix_or_a_garbled_one_changes_nothing(self, client, world):
        post_id, finding = too_soon(client, world)
        fix = finding["suggestions"][0]
        client.patch(world.path(f"/posts/{post_id}"), headers=world.auth("editor"),
                     json={"text": "Edited meanwhile"})
        before = client.get(world.path(f"/posts/{post_id}"), headers=world.auth("editor")).json()
        csrf = sign_in(client, world, "editor")
        for changes in (json.dumps(fix["changes"]), "not json", '[{"action": "explode"}]'):
            page = client.post(f"/w/{world.workspace_id}/suggestions/apply", data={
                "csrf_token": csrf, "changes": changes, "summary": fix["summary"]},
                headers={"HX-Request": "true"})
            assert page.status_code == 200
            assert "nothing was changed" in page.text
        now = client.get(world.path(f"/posts/{post_id}"), headers=world.auth("editor")).json()
        assert now == before

    def test_a_fix_on_the_week_review_returns_to_the_week(self, client, world):
        post_id, finding = too_soon(client, world)
        post = client.get(world.path(f"/posts/{post_id}"), headers=world.auth("editor")).json()
        when = datetime.fromisoformat(post["scheduled_at"].replace("Z", "+00:00"))
        year, number, _ = when.astimezone(ZoneInfo("Europe/Berlin")).isocalendar()
        week = f"{year}-W{number:02d}"
        csrf = sign_in(client, world, "lead")
        review = client.get(f"/w/{world.workspace_id}/approvals/{week}")
        assert 'class="btn btn-fix' in review.text
        assert f'name="origin" value="week:{week}:"' in review.text
        fix = finding["suggestions"][0]
        page = client.post(f"/w/{world.workspace_id}/suggestions/apply", data={
            "csrf_token": csrf, "changes": json.dumps(fix["changes"]),
            "summary": fix["summary"], "origin": f"week:{week}:"})
        assert page.status_code == 200
        assert f"Week {number}" in page.text and "Applied:" in page.text
        assert 'name="undo" value="yes"' in page.text
