"""Suggestions over the API: findings carry them, and POST /suggestions/apply
applies one suggestion's changes all at once or not at all.

Plans lie a few weeks ahead (suggestions only change the plan ahead of now),
in the workspace's zone, Europe/Berlin, with the default beth_dunn rhythm: asks
need 9 gives between them, and at most 1 post in 5 within a week may be an ask.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.models import Post
from tests.conftest import World, build_world

BERLIN = ZoneInfo("Europe/Berlin")
PROBLEM = "application/problem+json"


def first_day() -> date:
    today = datetime.now(BERLIN).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=3)


def at(offset: int, hour: int = 10) -> datetime:
    return datetime.combine(first_day() + timedelta(days=offset), time(hour), tzinfo=BERLIN)


def z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day_words(moment: datetime, finding_start: datetime) -> str:
    """A day as the findings name it: the year only when it differs from the
    year the finding starts in."""
    text = f"{moment:%a} {moment.day} {moment:%b}"
    return text if moment.year == finding_start.year else f"{text} {moment.year}"


def add_post(client, world: World, when: datetime, kind: str) -> dict[str, Any]:
    body = {"channel_id": world.channel_id, "scheduled_at": when.isoformat(), "kind": kind,
            "category": "share" if kind == "give" else "offer",
            "text": f"A {kind} on {when:%a %d %b}"}
    response = client.post(world.path("/posts"), json=body, headers=world.auth("editor"))
    assert response.status_code == 201, response.text
    return dict(response.json())


def plan(client, world: World) -> dict[str, dict[str, Any]]:
    """Eight gives, an ask, two gives, an ask too soon, eleven gives: one a day at
    10:00, leaving 09:00 (the time suggestions try) free."""
    response = client.patch(world.path(f"/channels/{world.channel_id}"),
                            json={"started_on": "2020-01-01"}, headers=world.auth("editor"))
    assert response.status_code == 200, response.text
    kinds = "g" * 8 + "a" + "gg" + "a" + "g" * 11
    posts = [add_post(client, world, at(day), "ask" if k == "a" else "give")
             for day, k in enumerate(kinds)]
    return {"first_ask": posts[8], "too_soon": posts[11], "give": posts[12],
            "other_give": posts[13], "last": posts[-1]}


def findings(client, world: World, start: datetime, end: datetime) -> list[dict[str, Any]]:
    response = client.get(world.path("/findings"),
                          params={"start": start.isoformat(), "end": end.isoformat()},
                          headers=world.auth("viewer"))
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def key(finding: dict[str, Any]) -> tuple[Any, ...]:
    return (finding["code"], finding["channel_id"], finding["story_id"],
            tuple(finding["post_ids"]))


def apply(client, world: World, changes: list[dict[str, Any]], role: str = "editor"):
    return client.post(world.path("/suggestions/apply"), json={"changes": changes},
                       headers=world.auth(role))


def get_post(client, world: World, post_id: str) -> dict[str, Any]:
    response = client.get(world.path(f"/posts/{post_id}"), headers=world.auth("viewer"))
    assert response.status_code == 200, response.text
    return dict(response.json())


def move(post: dict[str, Any], when: datetime, version: int | None = None) -> dict[str, Any]:
    return {"action": "move", "post_id": post["id"],
            "version": post["version"] if version is None else version,
            "patch": {"scheduled_at": when.isoformat()}}


# ---- findings carry suggestions ------------------------------------------------------


def test_findings_carry_suggestions_and_applying_one_resolves_it(client, world):
    posts = plan(client, world)
    start, end = at(0, 0), at(28, 0)
    before = findings(client, world, start, end)
    too_soon = next(f for f in before if f["code"] == "ask_too_soon")
    assert too_soon["post_ids"] == [posts["too_soon"]["id"]]
    best = too_soon["suggestions"][0]
    # Nine gives since the first ask: the ninth lands on day 19 at 10:00.
    assert best["summary"] == f"Move this ask to {day_words(at(19, 9), at(11))} 09:00"
    assert best["last_resort"] is False
    assert best["changes"] == [{
        "action": "move", "post_id": posts["too_soon"]["id"],
        "version": posts["too_soon"]["version"], "patch": {"scheduled_at": z(at(19, 9))}}]
    assert too_soon["suggestions"][-1]["summary"] == "Turn this ask into a give (last resort)"

    response = apply(client, world, best["changes"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["deleted"] == []
    [moved] = body["posts"]
    assert moved["id"] == posts["too_soon"]["id"]
    assert moved["scheduled_at"] == z(at(19, 9))
    assert moved["version"] == posts["too_soon"]["version"] + 1
    assert get_post(client, world, moved["id"])["scheduled_at"] == z(at(19, 9))

    after = findings(client, world, start, end)
    assert key(too_soon) not in {key(f) for f in after}
    serious_before = {key(f) for f in before if f["severity"] != "info"}
    assert [f for f in after if f["severity"] != "info" and key(f) not in serious_before] == []


def test_applying_the_weeks_suggestions_one_by_one_clears_its_findings(client, world):
    """An editor working down the week's findings, applying the best fix of each
    in turn: every fix ends its finding and brings no new warning or blocking one."""
    plan(client, world)
    start, end = at(7, 0), at(14, 0)
    wide = (at(-7, 0), at(42, 0))
    applied = 0
    for _ in range(10):
        week = [f for f in findings(client, world, start, end) if f["suggestions"]]
        if not week:
            break
        finding = week[0]
        before = {key(f) for f in findings(client, world, *wide) if f["severity"] != "info"}
        response = apply(client, world, finding["suggestions"][0]["changes"])
        assert response.status_code == 200, response.text
        applied += 1
        after = findings(client, world, *wide)
        assert key(finding) not in {key(f) for f in after}, finding["suggestions"][0]
        assert [f for f in after if f["severity"] != "info" and key(f) not in before] == []
    # Moving the ask too soon also ends the density stretch the two asks made.
    assert applied >= 1
    assert [f for f in findings(client, world, start, end) if f["severity"] != "info"] == []


def test_a_change_carries_the_version_the_post_has_now(client, world):
    posts = plan(client, world)
    edit = client.patch(world.path(f"/posts/{posts['too_soon']['id']}"),
                        json={"text": "Winter blend, 20% off"}, headers=world.auth("editor"))
    assert edit.status_code == 200, edit.text
    too_soon = next(f for f in findings(client, world, at(0, 0), at(28, 0))
                    if f["code"] == "ask_too_soon")
    assert too_soon["suggestions"][0]["changes"][0]["version"] == edit.json()["version"]


# ---- all or nothing ---------------------------------------------------------------------


def test_a_stale_version_in_a_later_change_leaves_the_earlier_one_unapplied(client, world):
    posts = plan(client, world)
    ask, give = posts["too_soon"], posts["give"]
    stale = move(give, at(30), version=give["version"] + 5)
    response = apply(client, world, [move(ask, at(19, 9)), stale])
    assert response.status_code == 412, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["post_id"] == give["id"]
    assert problem["change"] == 1
    assert problem["current_version"] == give["version"]
    assert give["id"] in problem["detail"]
    now = get_post(client, world, ask["id"])
    assert (now["scheduled_at"], now["version"]) == (ask["scheduled_at"], ask["version"])


def test_applying_the_same_suggestion_twice_is_refused_the_second_time(client, world):
    posts = plan(client, world)
    changes = [move(posts["too_soon"], at(19, 9))]
    assert apply(client, world, changes).status_code == 200
    again = apply(client, world, changes)
    assert again.status_code == 412
    assert again.json()["post_id"] == posts["too_soon"]["id"]


def test_a_post_of_another_workspace_is_not_found_and_nothing_is_saved(client, world, session):
    posts = plan(client, world)
    other = build_world(session, name="Other Co")
    foreign = add_post(client, other, at(3), "give")
    response = apply(client, world, [move(posts["too_soon"], at(19, 9)), move(foreign, at(4))])
    assert response.status_code == 404, response.text
    assert response.json()["post_id"] == foreign["id"]
    assert get_post(client, world, posts["too_soon"]["id"])["version"] == posts["too_soon"][
        "version"]
    mine = client.get(other.path(f"/posts/{foreign['id']}"), headers=other.auth("viewer"))
    assert mine.json()["scheduled_at"] == foreign["scheduled_at"]


def test_a_published_post_is_a_conflict(client, world, session: Session):
    posts = plan(client, world)
    post = session.get(Post, posts["give"]["id"])
    assert post is not None
    post.status = "published"
    session.add(post)
    session.commit()
    version = session.get(Post, posts["give"]["id"]).version  # type: ignore[union-attr]
    response = apply(client, world, [move({**posts["give"], "version": version}, at(30))])
    assert response.status_code == 409, response.text
    assert response.json()["post_id"] == posts["give"]["id"]


def test_a_bad_change_names_its_field(client, world):
    posts = plan(client, world)
    ask = posts["too_soon"]
    cases = [
        ([move(ask, at(19, 9)), {**move(ask, at(20)), "patch": {"scheduled_at": "tomorrow"}}],
         "changes.1.patch.scheduled_at"),
        ([{**move(ask, at(20)), "patch": {"scheduled_at": "2026-12-15T09:00:00"}}],
         "changes.0.patch.scheduled_at"),
        ([{"action": "move", "post_id": ask["id"], "patch": {"scheduled_at": z(at(20))}}],
         "changes.0.version"),
        ([{**move(ask, at(20)), "action": "shuffle"}], "changes.0.action"),
        ([{**move(ask, at(20)), "version": True}], "changes.0.version"),
        ([{**move(ask, at(20)), "patch": {"scheduled_at": z(at(20)), "colour": "red"}}],
         "changes.0.patch.colour"),
        ([{**move(ask, at(20)), "post_id": "x" * 100}], "changes.0.post_id"),
        ([{"action": "update", "post_id": ask["id"], "version": ask["version"],
           "patch": {"category": "share"}}], "changes.0.patch.category"),
        ([{"action": "create", "patch": {"channel_id": world.channel_id, "kind": "give"}}],
         "changes.0.patch.scheduled_at"),
        ([], "changes"),
    ]
    for changes, field in cases:
        response = apply(client, world, changes)
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        assert field in [e["field"] for e in response.json()["errors"]], (field, response.text)
    now = get_post(client, world, ask["id"])
    assert (now["scheduled_at"], now["version"]) == (ask["scheduled_at"], ask["version"])


def test_a_foreign_channel_in_a_new_post_names_its_field(client, world, session):
    plan(client, world)
    other = build_world(session, name="Other Co")
    response = apply(client, world, [{"action": "create", "patch": {
        "channel_id": other.channel_id, "scheduled_at": at(3, 9).isoformat(), "kind": "give"}}])
    assert response.status_code == 404, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["changes.0.patch.channel_id"]


# ---- kinds of change ---------------------------------------------------------------------


def test_create_update_and_delete_apply_as_post_edits_do(client, world):
    posts = plan(client, world)
    response = apply(client, world, [
        {"action": "create", "post_id": None, "version": None,
         "patch": {"channel_id": world.channel_id, "scheduled_at": z(at(23, 9)),
                   "kind": "give"}},
        {"action": "update", "post_id": posts["too_soon"]["id"],
         "version": posts["too_soon"]["version"], "patch": {"kind": "give", "category": None}},
        {"action": "delete", "post_id": posts["other_give"]["id"],
         "version": posts["other_give"]["version"], "patch": {}},
    ])
    assert response.status_code == 200, response.text
    body = response.json()
    created, updated = body["posts"]
    assert (created["kind"], created["status"], created["scheduled_at"]) == (
        "give", "draft", z(at(23, 9)))
    assert created["text"]
    assert (updated["kind"], updated["category"]) == ("give", None)
    assert body["deleted"] == [posts["other_give"]["id"]]
    gone = client.get(world.path(f"/posts/{posts['other_give']['id']}"),
                      headers=world.auth("viewer"))
    assert gone.status_code == 404
    history = client.get(world.path(f"/posts/{posts['too_soon']['id']}/history"),
                         headers=world.auth("viewer"))
    assert "edited" in [event["action"] for event in history.json()["items"]]


def test_a_silent_channel_gets_a_give_to_plan_and_applying_it_ends_the_silence(client, world):
    client.patch(world.path(f"/channels/{world.channel_id}"), json={"started_on": "2020-01-01"},
                 headers=world.auth("editor"))
    first = add_post(client, world, at(0), "give")
    add_post(client, world, at(12), "give")
    silent = next(f for f in findings(client, world, at(0, 0), at(14, 0))
                  if f["code"] == "channel_silent")
    assert silent["post_ids"][0] == first["id"]
    best = silent["suggestions"][0]
    assert [c["action"] for c in best["changes"]] == ["create"]
    assert best["changes"][0]["patch"]["kind"] == "give"
    assert best["summary"].startswith("Plan a give on ")
    response = apply(client, world, best["changes"])
    assert response.status_code == 200, response.text
    after = findings(client, world, at(0, 0), at(14, 0))
    assert [f for f in after if f["code"] == "channel_silent"] == []


def test_a_viewer_may_not_apply(client, world):
    posts = plan(client, world)
    response = apply(client, world, [move(posts["too_soon"], at(19, 9))], role="viewer")
    assert response.status_code == 403


def test_a_story_across_two_channels_gets_its_episode_moved_among_that_channels_posts(
        client, world):
    """Episode 2 lands an hour after episode 1 on another channel; the fix moves
    it there, checked against that channel's own posts too, even when the
    findings are asked for the first channel only."""
    client.patch(world.path(f"/channels/{world.channel_id}"), json={"started_on": "2020-01-01"},
                 headers=world.auth("editor"))
    other = client.post(world.path("/channels"), json={
        "name": "Instagram – Acme", "platform": "instagram", "started_on": "2020-01-01"},
        headers=world.auth("editor")).json()["id"]
    story = client.post(world.path("/stories"), json={"name": "Winter blend", "min_gap_days": 1},
                        headers=world.auth("editor")).json()["id"]

    def episode(channel_id: str, when: datetime, number: int) -> dict[str, Any]:
        response = client.post(world.path("/posts"), json={
            "channel_id": channel_id, "scheduled_at": when.isoformat(), "kind": "give",
            "category": "share", "text": f"Episode {number}", "story_id": story,
            "episode": number}, headers=world.auth("editor"))
        assert response.status_code == 201, response.text
        return dict(response.json())

    episode(world.channel_id, at(0), 1)
    second = episode(other, at(0, 11), 2)
    for day in range(1, 4):
        add_post(client, world, at(day), "give")
    # A day after episode 1 means day 2 at 09:00, where the other channel already
    # posts: so the episode goes on day 3.
    client.post(world.path("/posts"), json={
        "channel_id": other, "scheduled_at": at(2, 9).isoformat(), "kind": "give",
        "category": "share", "text": "Busy morning"}, headers=world.auth("editor"))
    # The finding belongs to the channel of episode 1, the first post it names.
    response = client.get(world.path("/findings"), params={
        "start": at(0, 0).isoformat(), "end": at(7, 0).isoformat(),
        "channel_id": world.channel_id}, headers=world.auth("viewer"))
    assert response.status_code == 200, response.text
    rushed = next(f for f in response.json()["items"] if f["code"] == "story_rushed")
    best = rushed["suggestions"][0]
    assert best["changes"][0]["post_id"] == second["id"]
    assert best["changes"][0]["patch"]["scheduled_at"] == z(at(3, 9))
    assert apply(client, world, best["changes"]).status_code == 200
    after = findings(client, world, at(-7, 0), at(21, 0))
    assert [f for f in after if f["code"].startswith("story_")] == []


def test_a_door_that_catches_the_refusal_and_commits_saves_none_of_it(client, world, session):
    """A page shows the reason and its session commits at the end: the apply's
    own savepoint still leaves the change made before the refusal unsaved."""
    import pytest
    from sqlmodel import select

    from app.errors import Invalid
    from app.models import User, Workspace
    from app.services.access import Access, Principal
    from app.services.suggestions import ApplyBody, apply_changes

    posts = plan(client, world)
    ask, give = posts["too_soon"], posts["give"]
    workspace = session.get(Workspace, world.workspace_id)
    editor = session.exec(select(User).where(User.email == world.users["editor"])).one()
    access = Access(workspace=workspace, role="editor", principal=Principal(user_id=editor.id))
    # The move runs and flushes; the episode without a story is refused after it.
    body = ApplyBody.model_validate({"changes": [
        move(ask, at(19, 9)),
        {"action": "update", "post_id": give["id"], "version": give["version"],
         "patch": {"episode": 3}}]})
    with pytest.raises(Invalid) as refused:
        apply_changes(session=session, access=access, changes=body.changes)
    assert [e.field for e in refused.value.errors] == ["changes.1.patch.episode"]
    session.commit()
    now = get_post(client, world, ask["id"])
    assert (now["scheduled_at"], now["version"]) == (ask["scheduled_at"], ask["version"])
