"""POST /rules/preview: what a change of the rules profile would add and resolve on
the real plan, compared with what the findings become once it is saved; nothing
saved, the same 422s as PUT /rules, leads only, another workspace is 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

from app.models import AuditEvent, RulesProfile, Workspace
from tests.api.test_analysis import error_fields, set_started_on
from tests.conftest import World, build_world

BERLIN = ZoneInfo("Europe/Berlin")
LONG_AGO = "2026-01-01"


def local_day(offset: int, hour: int = 9) -> datetime:
    today = datetime.now(BERLIN).date() + timedelta(days=offset)
    return datetime(today.year, today.month, today.day, hour, tzinfo=BERLIN)


def plan_ahead(client, world: World, kinds: str, first: int = 1) -> list[dict[str, Any]]:
    posts = []
    for i, kind in enumerate(kinds):
        k = "ask" if kind == "a" else "give"
        response = client.post(world.path("/posts"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "scheduled_at": local_day(first + i).isoformat(),
            "kind": k, "category": "offer" if k == "ask" else "share",
            "text": f"A {k} planned ahead"})
        assert response.status_code == 201, response.text
        posts.append(response.json())
    return posts


def preview(client, world: World, body: dict[str, Any], role: str = "lead",
            params: dict[str, str] | None = None):
    return client.post(world.path("/rules/preview"), json=body, params=params or {},
                       headers=world.auth(role))


def keys(findings: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {(f["code"], f["channel_id"], f["story_id"], tuple(f["post_ids"])) for f in findings}


def findings(client, world: World, start: str, end: str) -> list[dict[str, Any]]:
    response = client.get(world.path("/findings"), params={"start": start, "end": end},
                          headers=world.auth("viewer"))
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def saved_state(session: Session, world: World) -> tuple[Any, ...]:
    session.expire_all()
    workspace = session.get(Workspace, world.workspace_id)
    assert workspace is not None
    row = session.get(RulesProfile, world.workspace_id)
    audits = session.exec(select(func.count()).select_from(AuditEvent)).one()
    return (workspace.rules_preset, workspace.version,
            None if row is None else (row.overrides, row.severities, row.version), audits)


class TestPreview:
    def test_switching_preset_adds_and_resolves_what_saving_then_does(self, client, world,
                                                                        session):
        set_started_on(client, world, LONG_AGO)
        plan_ahead(client, world, "ggggggggaagggg")
        rules_before = client.get(world.path("/rules"), headers=world.auth("viewer"))
        state = saved_state(session, world)
        response = preview(client, world, {"preset": "four_one_one"})
        assert response.status_code == 200, response.text
        body = response.json()
        # The default range: today's local midnight, eight weeks on.
        start = datetime.fromisoformat(body["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(body["end"].replace("Z", "+00:00"))
        assert start.astimezone(BERLIN).time().hour == 0
        assert start.astimezone(BERLIN).date() == datetime.now(BERLIN).date()
        assert (end.astimezone(BERLIN).date() - start.astimezone(BERLIN).date()).days == 56
        assert {f["code"] for f in body["added"]} >= {"ask_run"}
        assert {f["code"] for f in body["resolved"]} >= {"ask_density"}
        # Nothing saved: the rules read the same and the database is untouched.
        rules_after = client.get(world.path("/rules"), headers=world.auth("viewer"))
        assert rules_after.json() == rules_before.json()
        assert rules_after.headers["etag"] == rules_before.headers["etag"]
        assert saved_state(session, world) == state
        # Saving the same body changes the findings exactly as previewed.
        before = findings(client, world, body["start"], body["end"])
        put = client.put(world.path("/rules"), json={"preset": "four_one_one"},
                         headers=world.auth("lead"))
        assert put.status_code == 200, put.text
        after = findings(client, world, body["start"], body["end"])
        assert keys(body["added"]) == keys(after) - keys(before)
        assert keys(body["resolved"]) == keys(before) - keys(after)

    def test_an_explicit_range_and_overrides(self, client, world):
        set_started_on(client, world, LONG_AGO)
        posts = plan_ahead(client, world, "ggggggggaa", first=20)
        start, end = local_day(19, 0), local_day(31, 0)
        response = preview(client, world, {"overrides": {"min_gives_between_asks": None}},
                           params={"start": start.isoformat(), "end": end.isoformat()})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["start"] == start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert [(f["code"], f["post_ids"]) for f in body["resolved"]] == [
            ("ask_too_soon", [posts[9]["id"]])]
        assert body["added"] == []
        # A range that misses the plan changes nothing.
        quiet = preview(client, world, {"preset": "four_one_one"}, params={
            "start": local_day(60, 0).isoformat(), "end": local_day(61, 0).isoformat()})
        assert quiet.status_code == 200
        assert {f["code"] for f in quiet.json()["added"] + quiet.json()["resolved"]} <= {
            "channel_silent"}

    def test_the_same_profile_changes_nothing(self, client, world):
        set_started_on(client, world, LONG_AGO)
        plan_ahead(client, world, "ggggggggaagg")
        body = preview(client, world, {"preset": "beth_dunn"}).json()
        assert (body["added"], body["resolved"]) == ([], [])


class TestRefusals:
    def test_bad_values_are_422_naming_each_field_and_save_nothing(self, client, world,
                                                                   session):
        state = saved_state(session, world)
        response = preview(client, world, {
            "preset": "shout_a_lot", "overrides": {"window_days": -7},
            "severities": {"ask_density": "fatal"},
            "channels": {"no-such-channel": {"listen_days": 3}}})
        assert response.status_code == 422
        assert set(error_fields(response)) == {"preset", "overrides.window_days",
                                               "severities.ask_density",
                                               "channels.no-such-channel"}
        bad_channel = preview(client, world,
                              {"channels": {world.channel_id: {"max_ask_share": 2}}})
        assert error_fields(bad_channel) == [
            f"channels.{world.channel_id}.overrides.max_ask_share"]
        assert error_fields(preview(client, world, {"colour": "red"})) == ["colour"]
        assert saved_state(session, world) == state

    def test_a_range_needs_both_ends_with_offsets(self, client, world):
        half = preview(client, world, {}, params={"start": local_day(0, 0).isoformat()})
        assert half.status_code == 422 and error_fields(half) == ["query.end"]
        naive = preview(client, world, {}, params={"start": "2026-12-01T00:00:00",
                                                   "end": "2026-12-08T00:00:00+01:00"})
        assert naive.status_code == 422 and error_fields(naive) == ["query.start"]
        backwards = preview(client, world, {}, params={
            "start": local_day(5, 0).isoformat(), "end": local_day(1, 0).isoformat()})
        assert backwards.status_code == 422 and error_fields(backwards) == ["query.end"]

    def test_viewers_and_editors_are_refused(self, client, world):
        for role in ("viewer", "editor"):
            assert preview(client, world, {"preset": "four_one_one"}, role=role).status_code \
                == 403
        assert preview(client, world, {"preset": "four_one_one"}, role="admin").status_code \
            == 200

    def test_another_workspace_is_404(self, client, world, session):
        rival = build_world(session, name="Rival")
        response = client.post(f"/api/v1/workspaces/{rival.workspace_id}/rules/preview",
                               json={"preset": "four_one_one"}, headers=world.auth("lead"))
        assert response.status_code == 404
        assert "Rival" not in response.text
