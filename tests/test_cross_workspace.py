"""No read or write across workspaces, generated from the app's own route table.

For every API and page route that takes an id in its path, a member of
workspace A calls it on A's own path with the id of an object of workspace B.
The answer is a 404 that holds nothing of B (its texts, names, comments,
people), and B's objects are untouched afterwards. A new route with an id of a
kind this test does not know fails here until the test is taught that kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from app.config import Settings
from app.main import create_app
from tests.conftest import TEST_SECRET, World, build_world
from tests.web.test_planner import sign_in

TZ = ZoneInfo("Europe/Berlin")
# Path parameters that are not ids of a workspace's objects, with a value to use.
NOT_IDS = {"week": "2027-W10"}


@dataclass(frozen=True)
class Route:
    method: str
    path: str

    @property
    def params(self) -> list[str]:
        return re.findall(r"\{(\w+)", self.path)

    @property
    def is_page(self) -> bool:
        return self.path.startswith("/w/")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def id_routes() -> list[Route]:
    app = create_app(Settings(env="test", secret_key=TEST_SECRET))
    found = set()
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        route_params = re.findall(r"\{(\w+)", context.path)
        if "workspace_id" not in route_params:
            continue
        if not [p for p in route_params if p != "workspace_id" and p not in NOT_IDS]:
            continue
        for method in context.methods or ():
            found.add(Route(method, context.path))
    return sorted(found, key=str)


ROUTES = id_routes()


@dataclass
class Rival:
    """Workspace B, with one object of every kind and the words that must never
    show up in an answer to A."""

    world: World
    ids: dict[str, str]
    secrets: list[str]


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201, 202), response.text
    return dict(response.json())


def rival_workspace(client: Any, session: Any) -> Rival:
    rival = build_world(session, name="Rival Works")
    auth = rival.auth("admin")
    day = date.today() + timedelta(days=21)
    when = datetime(day.year, day.month, day.day, 9, tzinfo=TZ).isoformat()
    later = datetime(day.year, day.month, day.day, 23, tzinfo=TZ).isoformat()
    channel = _ok(client.post(rival.path("/channels"), headers=auth,
                              json={"name": "Rival hidden channel", "platform": "mastodon"}))
    story = _ok(client.post(rival.path("/stories"), headers=auth,
                            json={"name": "Rival hidden story", "goal": "Rival hidden goal"}))
    post = _ok(client.post(rival.path("/posts"), headers=auth, json={
        "channel_id": channel["id"], "scheduled_at": when, "kind": "give",
        "text": "Rival hidden post text", "story_id": story["id"], "episode": 1}))
    _ok(client.post(rival.path(f"/posts/{post['id']}/comments"), headers=auth,
                    json={"body": "Rival hidden comment"}))
    _ok(client.post(rival.path(f"/posts/{post['id']}/submit"), headers=rival.auth("editor")))
    series = _ok(client.post(rival.path("/series"), headers=auth, json={
        "name": "Rival hidden series", "channel_id": channel["id"], "kind": "give",
        "text": "Rival hidden series text", "rrule": "FREQ=WEEKLY",
        "starts_on": day.isoformat(), "time": "10:00", "count": 3}))
    token = _ok(client.post(rival.path("/tokens"), headers=auth,
                            json={"role": "viewer", "name": "Rival hidden token"}))
    invitation = _ok(client.post(rival.path("/members"), headers=auth,
                                 json={"email": "rival-invitee@rival.test", "role": "editor"}))
    members = _ok(client.get(rival.path("/members"), headers=auth))["items"]
    # An ask right after the channel's first post: it asks while the channel listens.
    _ok(client.post(rival.path("/posts"), headers=auth, json={
        "channel_id": channel["id"], "scheduled_at": when.replace("T09", "T15"), "kind": "ask",
        "text": "Rival hidden ask text"}))
    finding = next(f for f in _ok(client.get(rival.path("/calendar"), headers=auth,
                                             params={"channel_id": channel["id"],
                                                     "start": when, "end": later}))["findings"]
                   if f["code"] == "ask_during_listening")
    acknowledgement = _ok(client.post(rival.path("/acknowledgements"), headers=auth, json={
        "code": finding["code"], "channel_id": finding["channel_id"],
        "story_id": finding["story_id"], "post_ids": finding["post_ids"],
        "note": "Rival hidden note"}))
    share = _ok(client.post(rival.path("/share-links"), headers=auth, json={
        "starts_on": day.isoformat(), "ends_on": day.isoformat(),
        "label": "Rival hidden share"}))
    # Saved only (a public address, so no opt-in is needed); nothing runs a worker here.
    webhook = _ok(client.post(rival.path("/webhooks"), headers=auth, json={
        "url": "https://93.184.216.34/rival-hidden", "events": ["post.created"],
        "description": "Rival hidden webhook"}))
    delivery = _ok(client.post(rival.path(f"/webhooks/{webhook['id']}/test"), headers=auth))
    feed = _ok(client.post(rival.path("/feeds"), headers=auth,
                           json={"name": "Rival hidden feed"}))
    imported = _ok(client.post(
        rival.path("/imports"), headers={**auth, "Content-Type": "text/csv"},
        params={"channel_id": channel["id"], "kind": "give"},
        content=b"text, link, imageUrls, gifUrls, videoUrls, postAtSpecificTime\n"
                b"Rival hidden import,,,,,2031-03-03 09:00\n"))
    ids = {"post_id": post["id"], "channel_id": channel["id"], "story_id": story["id"],
           "series_id": series["id"], "token_id": token["id"],
           "invitation_id": invitation["id"], "member_id": members[0]["id"],
           "acknowledgement_id": acknowledgement["id"], "link_id": share["id"],
           "webhook_id": webhook["id"], "delivery_id": delivery["id"], "feed_id": feed["id"],
           "import_id": imported["id"]}
    secrets = ["Rival Works", "Rival hidden", "rival-invitee", *rival.users.values()]
    return Rival(world=rival, ids=ids, secrets=secrets)


def snapshot(client: Any, rival: Rival) -> dict[str, Any]:
    """What B has, read as B's admin: it must be the same after A's calls."""
    auth = rival.world.auth("admin")
    ids = rival.ids
    return {
        "post": client.get(rival.world.path(f"/posts/{ids['post_id']}"), headers=auth).json(),
        "comments": client.get(rival.world.path(f"/posts/{ids['post_id']}/comments"),
                               headers=auth).json()["items"],
        "channel": client.get(rival.world.path(f"/channels/{ids['channel_id']}"),
                              headers=auth).json(),
        "story": client.get(rival.world.path(f"/stories/{ids['story_id']}"),
                            headers=auth).json(),
        "series": client.get(rival.world.path(f"/series/{ids['series_id']}"),
                             headers=auth).json(),
        "members": client.get(rival.world.path("/members"), headers=auth).json(),
        "tokens": sorted(t["id"] for t in client.get(rival.world.path("/tokens"),
                                                     headers=auth).json()["items"]),
        "acknowledgements": client.get(rival.world.path("/acknowledgements"),
                                       headers=auth).json()["items"],
        "share_links": client.get(rival.world.path("/share-links"), headers=auth).json(),
        "webhooks": client.get(rival.world.path("/webhooks"), headers=auth).json(),
        "feeds": client.get(rival.world.path("/feeds"), headers=auth).json(),
        "imports": client.get(rival.world.path("/imports"), headers=auth).json(),
        "deliveries": client.get(rival.world.path(f"/webhooks/{ids['webhook_id']}/deliveries"),
                                 headers=auth).json(),
    }


def api_body(route: Route, rival: Rival) -> dict[str, Any] | None:
    """A body the route accepts, so the answer is about the id, not the body."""
    if route.method not in ("POST", "PATCH", "PUT"):
        return None
    suffix = route.path.rsplit("}", 1)[-1]
    return {"/request-changes": {"comment": "Please change it."},
            "/comments": {"body": "A comment from the wrong workspace."},
            "/approve": {"override_reason": "Looks fine."},
            "/publish": {},
            "/outcome": {"reach": 1},
            "/capacity": {"capacity": 3},
            "/submit": None}.get(suffix, {"role": "viewer"} if "/members/" in route.path
                                 else {"name": "Renamed"} if "/channels/" in route.path
                                 or "/stories/" in route.path
                                 else {"description": "Renamed"} if "/webhooks/" in route.path
                                 else {"text": "Overwritten from the wrong workspace."})


def page_form(csrf: str) -> dict[str, str]:
    return {"csrf_token": csrf, "text": "Overwritten from the wrong workspace.",
            "body": "A comment from the wrong workspace.", "comment": "Please change it.",
            "date": (date.today() + timedelta(days=30)).isoformat(), "time": "09:00",
            "kind": "give", "name": "Renamed", "whole": "yes", "confirmed": "yes",
            "role": "viewer"}


def fill(route: Route, own: World, rival: Rival) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "workspace_id":
            return own.workspace_id
        if name in NOT_IDS:
            return NOT_IDS[name]
        assert name in rival.ids, (
            f"{route}: teach this test an object of kind {name!r} in the other workspace")
        return rival.ids[name]

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, route.path)


def test_the_table_has_the_id_routes_of_both_doors():
    pages = [r for r in ROUTES if r.is_page]
    api = [r for r in ROUTES if not r.is_page]
    assert len(pages) >= 15 and len(api) >= 20
    assert Route("POST", "/w/{workspace_id}/posts/{post_id}/comments") in ROUTES


@pytest.mark.parametrize("route", ROUTES, ids=[str(r) for r in ROUTES])
def test_another_workspaces_id_is_404_and_shows_nothing_of_it(route, client, world, session):
    rival = rival_workspace(client, session)
    before = snapshot(client, rival)
    path = fill(route, world, rival)
    if route.is_page:
        csrf = sign_in(client, world, "admin")
        response = client.request(route.method, path, follow_redirects=False,
                                  data=page_form(csrf) if route.method == "POST" else None,
                                  headers={"X-CSRF-Token": csrf})
    else:
        body = api_body(route, rival)
        response = client.request(route.method, path, headers=world.auth("admin"),
                                  json=body)
    assert response.status_code == 404, f"{route}: {response.status_code} {response.text[:300]}"
    for secret in rival.secrets:
        assert secret not in response.text, f"{route} shows {secret!r} of the other workspace"
    client.cookies.clear()
    assert snapshot(client, rival) == before, f"{route} changed the other workspace"
