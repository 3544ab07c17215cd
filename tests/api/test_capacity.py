"""The team's capacity: a lead sets the posts a week a member can plan; a week
where someone plans more carries a capacity_exceeded finding (info unless the
rules say otherwise) naming the person, on its review and the approvals page."""

from __future__ import annotations

import html
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from app.models import Membership, User
from tests.conftest import World, build_world
from tests.web.test_sessions import sign_in

BERLIN = ZoneInfo("Europe/Berlin")


def monday_ahead() -> datetime:
    today = datetime.now(BERLIN).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=3)
    return datetime.combine(monday, time(9), tzinfo=BERLIN)


def week_of(moment: datetime) -> str:
    year, number, _day = moment.isocalendar()
    return f"{year}-W{number:02d}"


def member_id(session: Session, world: World, role: str) -> str:
    user = session.exec(select(User).where(User.email == world.users[role])).one()
    return session.exec(select(Membership.id).where(
        Membership.workspace_id == world.workspace_id, Membership.user_id == user.id)).one()


def set_capacity(client: Any, world: World, member: str, value: Any, role: str = "lead") -> Any:
    return client.put(world.path(f"/members/{member}/capacity"), headers=world.auth(role),
                      json={"capacity": value})


def plan(client: Any, world: World, count: int, status: str = "draft") -> None:
    for n in range(count):
        made = client.post(world.path("/posts"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "kind": "give", "category": "share",
            "scheduled_at": (monday_ahead() + timedelta(days=n % 6, hours=n // 6)).isoformat(),
            "text": f"Tip {n}"})
        assert made.status_code == 201, made.text
        if status == "submitted":
            client.post(world.path(f"/posts/{made.json()['id']}/submit"),
                        headers=world.auth("editor"))


def review(client: Any, world: World) -> dict[str, Any]:
    response = client.get(world.path(f"/weeks/{week_of(monday_ahead())}"),
                          headers=world.auth("viewer"))
    assert response.status_code == 200, response.text
    return dict(response.json())


class TestSettingACapacity:
    def test_a_lead_sets_and_clears_it(self, client, world, session):
        editor = member_id(session, world, "editor")
        saved = set_capacity(client, world, editor, 3)
        assert saved.status_code == 200, saved.text
        assert saved.json()["capacity"] == 3
        listed = client.get(world.path("/members"), headers=world.auth("viewer")).json()
        assert {m["id"]: m["capacity"] for m in listed["items"]}[editor] == 3
        assert set_capacity(client, world, editor, None).json()["capacity"] is None

    @pytest.mark.parametrize("value", [0, -1, 1001, 2.5, True, "three"])
    def test_a_bad_capacity_is_refused_naming_the_field(self, client, world, session, value):
        editor = member_id(session, world, "editor")
        refused = set_capacity(client, world, editor, value)
        assert refused.status_code == 422
        assert [e["field"] for e in refused.json()["errors"]] == ["capacity"]
        assert session.get(Membership, editor).capacity is None

    def test_only_a_lead_and_only_in_this_workspace(self, client, world, session):
        editor = member_id(session, world, "editor")
        assert set_capacity(client, world, editor, 3, role="editor").status_code == 403
        other = build_world(session, name="Other")
        foreign = member_id(session, other, "editor")
        assert set_capacity(client, world, foreign, 3).status_code == 404
        assert session.get(Membership, foreign).capacity is None


class TestOverCapacity:
    def test_a_week_over_names_the_person_and_a_week_at_it_does_not(
            self, client, world, session):
        set_capacity(client, world, member_id(session, world, "editor"), 3)
        plan(client, world, 3)
        assert review(client, world)["over_capacity"] == []
        plan(client, world, 1)
        (over,) = review(client, world)["over_capacity"]
        assert (over["code"], over["severity"], over["planned"], over["capacity"]) == (
            "capacity_exceeded", "info", 4, 3)
        assert over["message"] == "Editor has 4 posts planned this week; their capacity is 3."

    def test_the_rules_may_make_it_a_warning(self, client, world, session):
        set_capacity(client, world, member_id(session, world, "editor"), 1)
        plan(client, world, 2)
        rules = client.put(world.path("/rules"), headers=world.auth("lead"), json={
            "preset": "beth_dunn", "severities": {"capacity_exceeded": "warning"}})
        assert rules.status_code == 200, rules.text
        assert review(client, world)["over_capacity"][0]["severity"] == "warning"

    def test_it_never_blocks_a_week(self, client, world, session):
        refused = client.put(world.path("/rules"), headers=world.auth("lead"), json={
            "preset": "beth_dunn", "severities": {"capacity_exceeded": "blocking"}})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"].endswith("severities.capacity_exceeded")
        assert "holds no week back" in refused.json()["errors"][0]["message"]
        # The rules page offers no such choice.
        sign_in(client, world.users["lead"], world.passwords["lead"])
        page = client.get(f"/w/{world.workspace_id}/rules").text
        select = page.split('name="sev_capacity_exceeded"')[1].split("</select>")[0]
        assert 'value="warning"' in select and 'value="blocking"' not in select

    def test_the_approvals_page_shows_who_is_over_and_sets_capacities(
            self, client, world, session):
        editor = member_id(session, world, "editor")
        set_capacity(client, world, editor, 1)
        plan(client, world, 2, status="submitted")
        csrf = sign_in(client, world.users["lead"], world.passwords["lead"])
        page = html.unescape(client.get(f"/w/{world.workspace_id}/approvals").text)
        assert "Over capacity: Editor" in page and "Team capacity" in page
        refused = client.post(f"/w/{world.workspace_id}/capacity/{editor}",
                              data={"csrf_token": csrf, "capacity": "many"})
        assert refused.status_code == 422
        assert "Must be a whole number from 1 to 1000" in html.unescape(refused.text)
        assert session.get(Membership, editor).capacity == 1
        saved = client.post(f"/w/{world.workspace_id}/capacity/{editor}",
                            data={"csrf_token": csrf, "capacity": "5"}, follow_redirects=False)
        assert saved.status_code == 303
        session.expire_all()
        assert session.get(Membership, editor).capacity == 5
        page = html.unescape(client.get(saved.headers["location"]).text)
        assert "The capacity is saved." in page and "Over capacity" not in page


@pytest.mark.parametrize("typed", ["²", "١٢", "１２", "9" * 5000, "5.0", "+5"])
def test_the_page_refuses_digits_that_are_not_a_number_of_posts(client, world, session, typed):
    editor = member_id(session, world, "editor")
    csrf = sign_in(client, world.users["lead"], world.passwords["lead"])
    refused = client.post(f"/w/{world.workspace_id}/capacity/{editor}",
                          data={"csrf_token": csrf, "capacity": typed})
    assert refused.status_code == 422
    assert 'id="capacity-' in refused.text and "Must be a whole number from 1 to 1000" in \
        html.unescape(refused.text)
    session.expire_all()
    assert session.get(Membership, editor).capacity is None
