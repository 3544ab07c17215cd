"""The history pages through every event: a post edited hundreds of times
shows all of its edits, newest first, each once, with a cursor that works in
the API and on the History page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from app.models import AuditEvent, Workspace

EDITS = 230


def plan_post(client, world) -> str:  # type: ignore[no-untyped-def]
    when = (datetime.now(UTC) + timedelta(days=20)).replace(microsecond=0).isoformat()
    response = client.post(world.path("/posts"), headers=world.auth("editor"), json={
        "channel_id": world.channel_id, "scheduled_at": when, "kind": "give",
        "text": "Edit 0"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def many_edits(session, world, post_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Edits recorded straight into the history (as the post service records
    them), several at the very same instant, so the order's tie-break counts."""
    workspace = session.get(Workspace, world.workspace_id)
    start = datetime(2026, 11, 1, 9, tzinfo=UTC)
    events = []
    for number in range(1, EDITS + 1):
        at = start + timedelta(seconds=number // 3)  # three edits share each second
        events.append(AuditEvent(workspace_id=workspace.id, subject_type="post",
                                 subject_id=post_id, action="updated", at=at,
                                 before={"text": f"Edit {number - 1}"},
                                 after={"text": f"Edit {number}"}))
    session.add_all(events)
    session.commit()
    rows = session.exec(select(AuditEvent).where(AuditEvent.subject_id == post_id)).all()
    return [e.id for e in sorted(rows, key=lambda e: (e.at, e.id), reverse=True)]


def walk(client, world, path: str, limit: int) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    cursor = None
    for _ in range(1000):
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = client.get(world.path(path), headers=world.auth("viewer"), params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= limit
        seen.extend(item["id"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("the cursor never ended")


class TestHistoryPaging:
    def test_a_posts_history_pages_through_every_edit(self, client, world, session):
        post_id = plan_post(client, world)
        expected = many_edits(session, world, post_id)
        seen = walk(client, world, f"/posts/{post_id}/history", limit=17)
        assert seen == expected
        assert len(seen) == len(set(seen)) == EDITS + 1  # the edits and the creation

    def test_the_workspace_history_pages_past_the_first_page(self, client, world, session):
        post_id = plan_post(client, world)
        expected = many_edits(session, world, post_id)
        seen = walk(client, world, "/audit", limit=200)
        assert len(seen) > 200
        assert set(expected) <= set(seen)
        assert len(seen) == len(set(seen))

    def test_a_tampered_cursor_is_a_422_naming_it(self, client, world, session):
        post_id = plan_post(client, world)
        many_edits(session, world, post_id)
        first = client.get(world.path("/audit"), headers=world.auth("viewer"),
                           params={"limit": 5}).json()
        cursor = first["next_cursor"]
        assert cursor
        for bad in (cursor[:-3] + "xyz", "not-a-cursor", cursor + "A"):
            response = client.get(world.path("/audit"), headers=world.auth("viewer"),
                                  params={"limit": 5, "cursor": bad})
            assert response.status_code == 422, (bad, response.text)
            assert response.json()["errors"][0]["field"] == "query.cursor"

    def test_the_history_page_links_to_older_events(self, client, world, session):
        from tests.web.test_planner import sign_in

        post_id = plan_post(client, world)
        many_edits(session, world, post_id)
        sign_in(client, world, "viewer")
        page = client.get(f"/w/{world.workspace_id}/history")
        assert page.status_code == 200
        assert "Edit 230" in page.text
        link = page.text.split("Older events")[0].rsplit('href="', 1)[1].split('"')[0]
        assert "cursor=" in link
        second = client.get(link.replace("&amp;", "&"))
        assert second.status_code == 200
        assert "Edit 130" in second.text
        assert "Newest events" in second.text
