"""Every workspace page, generated from the app's own route table: nobody
signed out gets in, and a signed-in user of another workspace sees nothing."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from app.config import Settings
from app.main import create_app
from tests.conftest import TEST_SECRET, build_world
from tests.web.test_planner import sign_in


def page_routes() -> list[tuple[str, str]]:
    app = create_app(Settings(env="test", secret_key=TEST_SECRET))
    return sorted(
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        and context.path.startswith("/w/{workspace_id}")
        for method in (context.methods or ())
    )


PAGE_ROUTES = page_routes()


def fill(path: str, workspace_id: str) -> str:
    path = path.replace("{workspace_id}", workspace_id)
    return re.sub(r"\{[^}]+\}", "some-id", path)


def test_the_table_is_not_empty():
    assert len(PAGE_ROUTES) >= 15


@pytest.mark.parametrize(("method", "path"), PAGE_ROUTES)
def test_signed_out_visitors_are_sent_to_sign_in(client, world, method, path):
    response = client.request(method, fill(path, world.workspace_id), follow_redirects=False)
    if method == "GET":
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")
    else:
        assert response.status_code in (303, 403)
        if response.status_code == 303:
            assert response.headers["location"].startswith("/login")


@pytest.mark.parametrize(("method", "path"), PAGE_ROUTES)
def test_members_of_another_workspace_see_nothing(client, world, session, method, path):
    other = build_world(session, name="Other Co")
    csrf = sign_in(client, world, "admin")
    response = client.request(method, fill(path, other.workspace_id),
                              data={"csrf_token": csrf} if method == "POST" else None,
                              follow_redirects=False)
    assert response.status_code == 404
