"""Who may call what: tokens, roles, foreign workspaces, cookie sessions."""

from __future__ import annotations

from tests.conftest import World, build_world


class TestBearerTokens:
    def test_no_token_is_401_with_bearer_challenge(self, client, world):
        response = client.get(world.path("/posts"))
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == 401

    def test_wrong_scheme_is_401(self, client, world):
        response = client.get(world.path("/posts"),
                              headers={"Authorization": f"Token {world.tokens['viewer']}"})
        assert response.status_code == 401

    def test_unknown_token_is_401(self, client, world):
        response = client.get(world.path("/posts"),
                              headers={"Authorization": "Bearer gka_not-a-real-token"})
        assert response.status_code == 401

    def test_revoked_token_is_401(self, client, world):
        listing = client.get(world.path("/tokens"), headers=world.auth("admin")).json()["items"]
        viewer = next(t for t in listing if t["role"] == "viewer")
        assert client.get(world.path("/posts"), headers=world.auth("viewer")).status_code == 200
        revoked = client.delete(world.path(f"/tokens/{viewer['id']}"), headers=world.auth("admin"))
        assert revoked.status_code == 204
        assert client.get(world.path("/posts"), headers=world.auth("viewer")).status_code == 401

    def test_foreign_workspace_looks_like_nothing(self, client, world, session):
        other = build_world(session, name="Other Co")
        foreign = client.get(other.path(), headers=world.auth("admin"))
        missing = client.get("/api/v1/workspaces/does-not-exist", headers=world.auth("admin"))
        assert foreign.status_code == missing.status_code == 404
        assert client.get(other.path("/posts"), headers=world.auth("admin")).status_code == 404
        assert client.get(other.path(f"/channels/{other.channel_id}"),
                          headers=world.auth("admin")).status_code == 404

    def test_token_lists_only_its_workspace(self, client, world, session):
        build_world(session, name="Other Co")
        items = client.get("/api/v1/workspaces", headers=world.auth("viewer")).json()["items"]
        assert [w["id"] for w in items] == [world.workspace_id]
        assert items[0]["role"] == "viewer"

    def test_token_cannot_create_a_workspace(self, client, world):
        response = client.post("/api/v1/workspaces", json={"name": "New", "timezone": "UTC"},
                               headers=world.auth("admin"))
        assert response.status_code == 403

    def test_token_secret_is_shown_once_and_only_hashed(self, client, world, session):
        from app.models import ApiToken

        created = client.post(world.path("/tokens"), json={"role": "editor", "name": "bot"},
                              headers=world.auth("admin"))
        assert created.status_code == 201
        secret = created.json()["token"]
        assert secret.startswith("gka_")
        row = session.get(ApiToken, created.json()["id"])
        assert secret not in (row.token_hash, row.prefix)
        listing = client.get(world.path("/tokens"), headers=world.auth("admin")).json()["items"]
        assert all("token" not in t for t in listing)
        works = client.get(world.path("/posts"), headers={"Authorization": f"Bearer {secret}"})
        assert works.status_code == 200


class TestRoles:
    def test_viewer_reads_but_cannot_write(self, client, world):
        assert client.get(world.path("/channels"), headers=world.auth("viewer")).status_code == 200
        response = client.post(world.path("/channels"), json={"name": "X"},
                               headers=world.auth("viewer"))
        assert response.status_code == 403
        assert "viewer" in response.json()["detail"]

    def test_editor_writes_posts_and_channels_but_not_settings(self, client, world):
        assert client.post(world.path("/channels"), json={"name": "X"},
                           headers=world.auth("editor")).status_code == 201
        assert client.patch(world.path(), json={"name": "Renamed"},
                            headers=world.auth("editor")).status_code == 403
        assert client.get(world.path("/tokens"), headers=world.auth("editor")).status_code == 403
        assert client.post(world.path("/members"), json={"email": "a@b.test", "role": "viewer"},
                           headers=world.auth("lead")).status_code == 403

    def test_admin_manages_the_workspace(self, client, world):
        response = client.patch(world.path(), json={"name": "Acme GmbH"},
                                headers=world.auth("admin"))
        assert response.status_code == 200
        assert response.json()["name"] == "Acme GmbH"


class TestCookieSession:
    def login(self, client, world: World, role: str) -> str:
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        response = client.post("/login", data={"email": world.users[role],
                                               "password": world.passwords[role],
                                               "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303
        home = client.get("/")
        return home.text.split('"X-CSRF-Token": "')[1].split('"')[0]

    def test_signed_in_user_creates_a_workspace_and_becomes_admin(self, client, world):
        csrf = self.login(client, world, "editor")
        response = client.post("/api/v1/workspaces",
                               json={"name": "Side project", "timezone": "America/New_York"},
                               headers={"X-CSRF-Token": csrf})
        assert response.status_code == 201
        assert response.json()["role"] == "admin"
        names = {w["name"] for w in client.get("/api/v1/workspaces").json()["items"]}
        assert names == {"Acme", "Side project"}

    def test_cookie_write_without_csrf_header_is_refused(self, client, world):
        self.login(client, world, "editor")
        response = client.post("/api/v1/workspaces", json={"name": "Sneaky"})
        assert response.status_code == 403
        assert "CSRF" in response.json()["detail"]
