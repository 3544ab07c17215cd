"""Who may call what, generated from the app's own route table (API.md "Who may do
what"): every route under a workspace states its role through a `require_<role>`
dependency; roles below it get 403, roles at or above it never 401/403; no token is
401 and another workspace's token is 404. A new route that forgets its role check
fails here, with no list to keep up to date."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlmodel import Session, select

from app.config import Settings
from app.main import create_app
from app.models import Channel, Post, User, Workspace
from app.services.access import ROLE_RANK
from app.services.tokens import create_token
from tests.conftest import TEST_SECRET, World, build_world

WORKSPACE_PATH = "/api/v1/workspaces/{workspace_id}"
ROLES = ("viewer", "editor", "lead", "admin")
DUMMY = "00000000-0000-7000-8000-000000000000"
TZ = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class WorkspaceRoute:
    method: str
    path: str
    roles: tuple[str, ...]  # every require_<role> the route depends on

    @property
    def suffix(self) -> str:
        return self.path.removeprefix(WORKSPACE_PATH)

    @property
    def required(self) -> str | None:
        return max(self.roles, key=ROLE_RANK.__getitem__) if self.roles else None

    def __str__(self) -> str:
        return f"{self.method} {self.suffix or '/'}"


def required_roles(dependant: Dependant) -> list[str]:
    """Every role named by a require_<role> dependency, however deep."""
    found: list[str] = []
    name = getattr(dependant.call, "__name__", "")
    if name.startswith("require_"):
        found.append(name.removeprefix("require_"))
    for sub in dependant.dependencies:
        found.extend(required_roles(sub))
    return found


def workspace_routes() -> list[WorkspaceRoute]:
    app = create_app(Settings(env="test", secret_key=TEST_SECRET))
    routes = []
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        path = context.path
        if not (path == WORKSPACE_PATH or path.startswith(WORKSPACE_PATH + "/")):
            continue
        roles = tuple(sorted(set(required_roles(context.dependant))))
        for method in sorted(context.methods or ()):
            routes.append(WorkspaceRoute(method=method, path=path, roles=roles))
    return routes


# Calendar apps send no header: the feed's secret address is its credential,
# tested in tests/api/test_feeds.py (unknown, revoked or another workspace's
# secret is 404 like any unknown path).
SECRET_ADDRESS_ROUTES = {"GET /calendar.ics"}
ROUTES = [r for r in workspace_routes() if str(r) not in SECRET_ADDRESS_ROUTES]
ROUTE_IDS = [str(r) for r in ROUTES]

# The roles API.md's table gives the fixed paths. Routes not listed here still run
# through the matrix with whatever role they declare.
DOCUMENTED = {
    "GET /": "viewer", "PATCH /": "admin",
    "GET /channels": "viewer", "POST /channels": "editor",
    "GET /channels/{channel_id}": "viewer", "PATCH /channels/{channel_id}": "editor",
    "DELETE /channels/{channel_id}": "editor",
    "GET /posts": "viewer", "POST /posts": "editor",
    "GET /posts/{post_id}": "viewer", "PATCH /posts/{post_id}": "editor",
    "DELETE /posts/{post_id}": "editor",
    "POST /posts/{post_id}/submit": "editor", "POST /posts/{post_id}/publish": "editor",
    "POST /posts/{post_id}/approve": "lead", "POST /posts/{post_id}/request-changes": "lead",
    "POST /posts/submit-week": "editor",
    "GET /posts/{post_id}/comments": "viewer", "POST /posts/{post_id}/comments": "editor",
    "GET /posts/{post_id}/history": "viewer", "GET /audit": "viewer",
    "GET /rules": "viewer", "PUT /rules": "lead", "POST /rules/preview": "lead",
    "GET /findings": "viewer", "POST /check": "editor", "POST /suggestions/apply": "editor",
    "GET /acknowledgements": "viewer", "POST /acknowledgements": "editor",
    "GET /acknowledgements/{acknowledgement_id}": "viewer",
    "DELETE /acknowledgements/{acknowledgement_id}": "editor",
    "GET /channels/{channel_id}/next-slot": "viewer", "GET /calendar": "viewer",
    "GET /weeks": "viewer", "GET /weeks/{week}": "viewer",
    "GET /week-approvals": "viewer", "POST /week-approvals": "lead",
    "GET /tokens": "admin", "POST /tokens": "admin", "DELETE /tokens/{token_id}": "admin",
    "GET /members": "viewer", "POST /members": "admin", "PATCH /members/{member_id}": "admin",
    "DELETE /invitations/{invitation_id}": "admin", "POST /invitations": "admin",
    "DELETE /members/{member_id}": "admin",
    "POST /channels/{channel_id}/archive": "editor",
    "POST /channels/{channel_id}/unarchive": "editor",
    "GET /stories": "viewer", "POST /stories": "editor", "GET /stories/{story_id}": "viewer",
    "PATCH /stories/{story_id}": "editor", "DELETE /stories/{story_id}": "editor",
    "GET /series": "viewer", "POST /series": "editor", "GET /series/{series_id}": "viewer",
    "PATCH /series/{series_id}": "editor", "DELETE /series/{series_id}": "editor",
}


def future_monday() -> date:
    today = datetime.now(TZ).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=3)


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Targets:
    """Real objects of the workspace to fill a route's path and body with."""

    post_id: str
    channel_id: str
    token_id: str
    week: str
    day: date

    def params(self, world: World) -> dict[str, str]:
        return {"workspace_id": world.workspace_id, "post_id": self.post_id,
                "channel_id": self.channel_id, "token_id": self.token_id, "week": self.week}


def fresh_targets(session: Session, world: World) -> Targets:
    """New objects for each call, so one role's DELETE leaves the next role
    something to act on."""
    workspace = session.get(Workspace, world.workspace_id)
    assert workspace is not None
    editor = session.exec(select(User).where(User.email == world.users["editor"])).one()
    day = future_monday()
    channel = Channel(workspace_id=workspace.id, name=f"Channel {uuid.uuid4().hex[:8]}")
    post = Post(workspace_id=workspace.id, channel_id=world.channel_id,
                scheduled_at=datetime.combine(day, time(9), tzinfo=TZ), kind="give",
                category="share", text="A post to call routes on.", status="submitted",
                created_by_id=editor.id)
    session.add_all([channel, post])
    token, _ = create_token(session=session, workspace=workspace, role="viewer",
                            name="to revoke", created_by_id=None)
    session.commit()
    return Targets(post_id=post.id, channel_id=channel.id, token_id=token.id,
                   week=week_of(day), day=day)


def body_for(route: WorkspaceRoute, targets: Targets, world: World) -> dict[str, Any] | None:
    """A valid body where we know the route, so allowed roles reach the handler
    (and its service's own role check); `{}` otherwise (a 422 is fine)."""
    if route.method not in ("POST", "PUT", "PATCH"):
        return None
    when = datetime.combine(targets.day + timedelta(days=1), time(9), tzinfo=TZ).isoformat()
    bodies: dict[str, dict[str, Any]] = {
        "PATCH /": {"name": "Acme"},
        "POST /channels": {"name": f"New {uuid.uuid4().hex[:8]}"},
        "PATCH /channels/{channel_id}": {"platform": "mastodon"},
        "POST /posts": {"channel_id": world.channel_id, "scheduled_at": when, "kind": "give",
                        "text": "Planned by the matrix."},
        "PATCH /posts/{post_id}": {"text": "Edited by the matrix."},
        "POST /posts/{post_id}/request-changes": {"comment": "Shorter, please."},
        "POST /posts/{post_id}/comments": {"body": "Looks fine."},
        "POST /posts/submit-week": {"week": targets.week},
        "PUT /rules": {"preset": "beth_dunn"},
        "POST /check": {"action": "delete", "post_id": targets.post_id},
        "POST /suggestions/apply": {"changes": [{"action": "move", "post_id": targets.post_id,
                                                 "version": 1, "patch": {"scheduled_at": when}}]},
        "POST /week-approvals": {"week": targets.week, "decision": "send_back",
                                 "comment": "Redo, please."},
        "POST /tokens": {"role": "viewer", "name": "matrix"},
        "POST /members": {"email": f"new-{uuid.uuid4().hex[:8]}@acme.test", "role": "viewer"},
        "PATCH /members/{member_id}": {"role": "viewer"},
    }
    return bodies.get(str(route), {})


def fill(route: WorkspaceRoute, params: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: params.get(m.group(1), DUMMY), route.path)


def call(client, route: WorkspaceRoute, targets: Targets, world: World,
         headers: dict[str, str]):
    path = fill(route, targets.params(world))
    body = body_for(route, targets, world)
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["json"] = body
    return client.request(route.method, path, **kwargs)


def test_the_route_table_is_found():
    found = {str(r) for r in ROUTES}
    missing = set(DOCUMENTED) - found
    assert not missing, f"documented routes not in the app: {sorted(missing)}"


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_every_workspace_route_declares_its_role(route: WorkspaceRoute):
    assert route.roles, (f"{route} has no require_<role> dependency: use ViewerAccess, "
                         "EditorAccess, LeadAccess or AdminAccess")
    assert len(route.roles) == 1, f"{route} requires several roles: {route.roles}"
    assert route.required in ROLE_RANK
    if str(route) in DOCUMENTED:
        assert route.required == DOCUMENTED[str(route)], (
            f"{route} requires {route.required}; API.md says {DOCUMENTED[str(route)]}")


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_roles_below_are_refused_and_roles_above_are_let_in(route: WorkspaceRoute, client,
                                                            world, session):
    assert route.required is not None, f"{route} declares no role"
    needed = ROLE_RANK[route.required]
    for role in ROLES:
        targets = fresh_targets(session, world)
        response = call(client, route, targets, world, world.auth(role))
        if ROLE_RANK[role] < needed:
            assert response.status_code == 403, (
                f"{route} as {role}: {response.status_code} {response.text}")
            assert response.json()["required_role"] == route.required
        else:
            assert response.status_code not in (401, 403), (
                f"{route} as {role}: {response.status_code} {response.text}")
            assert response.status_code < 500, (
                f"{route} as {role}: {response.status_code} {response.text}")


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_no_token_is_401(route: WorkspaceRoute, client, world, session):
    targets = fresh_targets(session, world)
    response = call(client, route, targets, world, {})
    assert response.status_code == 401, f"{route}: {response.status_code} {response.text}"
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_another_workspaces_token_is_404(route: WorkspaceRoute, client, world, session):
    other = build_world(session, name="Other Co")
    targets = fresh_targets(session, world)
    for role in ("viewer", "admin"):
        response = call(client, route, targets, world, other.auth(role))
        assert response.status_code == 404, (
            f"{route} with {role} of another workspace: {response.status_code} "
            f"{response.text}")
        assert "Other Co" not in response.text
