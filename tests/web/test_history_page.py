"""The History page tells one decision as one entry, and filters by post,
person and kind of change."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.web.test_planner import sign_in

BERLIN = ZoneInfo("Europe/Berlin")


def approved_week(client, world, posts: int = 6) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    today = date.today()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=6)
    ids = []
    for day in range(posts):
        when = datetime.combine(monday + timedelta(days=day), time(9), tzinfo=BERLIN)
        response = client.post(world.path("/posts"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "scheduled_at": when.isoformat(), "kind": "give",
            "text": f"Give number {day}"})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    year, number, _ = monday.isocalendar()
    week = f"{year}-W{number:02d}"
    submitted = client.post(world.path("/posts/submit-week"), headers=world.auth("editor"),
                            json={"week": week})
    assert submitted.status_code == 200, submitted.text
    review = client.get(world.path(f"/weeks/{week}"), headers=world.auth("lead")).json()
    decided = client.post(world.path("/week-approvals"), headers=world.auth("lead"), json={
        "week": week, "decision": "approve", "comment": "Lovely week",
        "review_token": review["review_token"]})
    assert decided.status_code == 201, decided.text
    return week, ids


def rows(html: str) -> list[str]:
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return [row.split("</tr>")[0] for row in body.split("<tr")[1:]]


class TestHistoryPage:
    def test_a_week_decision_is_one_entry_that_opens_up(self, client, world):
        week, ids = approved_week(client, world)
        sign_in(client, world, "viewer")
        page = client.get(f"/w/{world.workspace_id}/history")
        assert page.status_code == 200
        entries = rows(page.text)
        decision = [r for r in entries if "week approved" in r]
        assert len(decision) == 1
        assert f"({week})" in decision[0] and "6 posts" in decision[0]
        assert "<details>" in decision[0]
        assert all(f"post={post_id}" in decision[0] for post_id in ids)
        # the six submits of the editor are one entry too
        submits = [r for r in entries if "6 posts submitted" in r]
        assert len(submits) == 1
        approved_rows = [r for r in entries if "post approved" in r and "<details>" not in r]
        assert approved_rows == []

    def test_filters_by_person_and_kind_of_change(self, client, world, session):
        from sqlmodel import select

        from app.models import User

        approved_week(client, world)
        lead = session.exec(select(User).where(User.email == world.users["lead"])).one()
        sign_in(client, world, "viewer")
        page = client.get(f"/w/{world.workspace_id}/history",
                          params={"person": lead.id})
        entries = rows(page.text)
        assert entries and all("Lead" in r for r in entries)
        page = client.get(f"/w/{world.workspace_id}/history", params={"change": "created"})
        entries = rows(page.text)
        assert entries and all("created" in r for r in entries)
        assert not any("approved" in r for r in entries)
        page = client.get(f"/w/{world.workspace_id}/history", params={"change": "no-such"})
        assert "Nothing matches these filters." in page.text

    def test_one_posts_history(self, client, world):
        _, ids = approved_week(client, world)
        sign_in(client, world, "viewer")
        page = client.get(f"/w/{world.workspace_id}/history", params={"post": ids[2]})
        entries = rows(page.text)
        assert len(entries) == 3  # created, submitted, approved
        assert all("post" in r for r in entries)
        assert "Show every post" in page.text
