"""Workspaces and channels through the API."""

from __future__ import annotations


class TestWorkspaceSettings:
    def test_unknown_time_zone_is_refused(self, client, world):
        response = client.patch(world.path(), json={"timezone": "Mars/Olympus"},
                                headers=world.auth("admin"))
        assert response.status_code == 422
        error = response.json()["errors"][0]
        assert error["field"] == "timezone"
        assert "Mars/Olympus" in error["message"]
        assert client.get(world.path(), headers=world.auth("viewer")).json()["timezone"] == \
            "Europe/Berlin"

    def test_unknown_preset_is_refused(self, client, world):
        response = client.patch(world.path(), json={"rules_preset": "spam_a_lot"},
                                headers=world.auth("admin"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "rules_preset"

    def test_get_returns_etag_and_if_match_guards_patch(self, client, world):
        got = client.get(world.path(), headers=world.auth("admin"))
        etag = got.headers["etag"]
        ok = client.patch(world.path(), json={"timezone": "Europe/Lisbon"},
                          headers={**world.auth("admin"), "If-Match": etag})
        assert ok.status_code == 200
        stale = client.patch(world.path(), json={"timezone": "Europe/Paris"},
                             headers={**world.auth("admin"), "If-Match": etag})
        assert stale.status_code == 412
        assert client.get(world.path(), headers=world.auth("admin")).json()["timezone"] == \
            "Europe/Lisbon"

    def test_garbage_if_match_is_400(self, client, world):
        response = client.patch(world.path(), json={"name": "X"},
                                headers={**world.auth("admin"), "If-Match": "yesterday"})
        assert response.status_code == 400


class TestChannels:
    def test_create_list_update_delete(self, client, world):
        created = client.post(world.path("/channels"),
                              json={"name": "Mastodon", "platform": "mastodon",
                                    "started_on": "2026-11-01"},
                              headers=world.auth("editor"))
        assert created.status_code == 201
        channel = created.json()
        assert created.headers["location"].endswith(world.path(f"/channels/{channel['id']}"))
        names = [c["name"] for c in client.get(world.path("/channels"),
                                               headers=world.auth("viewer")).json()["items"]]
        assert names == ["LinkedIn – Acme", "Mastodon"]
        renamed = client.patch(world.path(f"/channels/{channel['id']}"),
                               json={"name": "Mastodon – Acme"},
                               headers={**world.auth("editor"), "If-Match": '"1"'})
        assert renamed.status_code == 200
        assert renamed.json()["version"] == 2
        assert client.delete(world.path(f"/channels/{channel['id']}"),
                             headers=world.auth("editor")).status_code == 204

    def test_channels_are_paged_in_creation_order(self, client, world):
        for n in range(4):
            client.post(world.path("/channels"), json={"name": f"Channel {n}"},
                        headers=world.auth("editor"))
        names, cursor = [], None
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            body = client.get(world.path("/channels"), params=params,
                              headers=world.auth("viewer")).json()
            assert len(body["items"]) <= 2
            names += [c["name"] for c in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert names == ["LinkedIn – Acme", "Channel 0", "Channel 1", "Channel 2", "Channel 3"]

    def test_duplicate_name_is_a_conflict_naming_the_field(self, client, world):
        response = client.post(world.path("/channels"), json={"name": "LinkedIn – Acme"},
                               headers=world.auth("editor"))
        assert response.status_code == 409
        assert response.json()["errors"][0]["field"] == "name"

    def test_channel_with_posts_is_not_deleted(self, client, world):
        client.post(world.path("/posts"), json={
            "channel_id": world.channel_id, "scheduled_at": "2026-11-24T09:00:00Z",
            "kind": "give", "text": "hello"}, headers=world.auth("editor"))
        response = client.delete(world.path(f"/channels/{world.channel_id}"),
                                 headers=world.auth("editor"))
        assert response.status_code == 409
        assert response.json()["posts"] == 1
        assert client.get(world.path(f"/channels/{world.channel_id}"),
                          headers=world.auth("viewer")).status_code == 200

    def test_bad_start_date_names_the_field(self, client, world):
        response = client.post(world.path("/channels"),
                               json={"name": "X", "started_on": "2026-13-01"},
                               headers=world.auth("editor"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "started_on"


class TestMembers:
    def test_admin_invites_a_member_who_joins_and_can_sign_in(self, client, world):
        response = client.post(world.path("/members"),
                               json={"email": "New.Person@Acme.test", "role": "editor"},
                               headers=world.auth("admin"))
        assert response.status_code == 202
        assert response.json()["email"] == "new.person@acme.test"
        token = response.json()["token"]
        page = client.get(f"/invitations/{token}")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        joined = client.post(f"/invitations/{token}/join",
                             data={"csrf_token": csrf, "name": "New Person",
                                   "password": "a-long-password"}, follow_redirects=False)
        assert joined.status_code == 303
        members = client.get(world.path("/members"), headers=world.auth("viewer")).json()
        assert "new.person@acme.test" in {m["email"] for m in members["items"]}

    def test_an_invitation_alone_makes_no_member(self, client, world):
        response = client.post(world.path("/members"),
                               json={"email": "nobody@acme.test", "role": "viewer"},
                               headers=world.auth("admin"))
        assert response.status_code == 202
        members = client.get(world.path("/members"), headers=world.auth("viewer")).json()
        assert "nobody@acme.test" not in {m["email"] for m in members["items"]}
        assert "nobody@acme.test" in {i["email"] for i in members["invitations"]}


class TestHealthAndDocs:
    def test_healthz_reports_the_database(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}

    def test_openapi_lists_the_fixed_paths(self, client):
        paths = client.get("/openapi.json").json()["paths"]
        for path in ("/api/v1/workspaces", "/api/v1/workspaces/{workspace_id}/posts/{post_id}",
                     "/api/v1/workspaces/{workspace_id}/channels", "/healthz"):
            assert path in paths

    def test_docs_load_no_assets_from_other_origins(self, client):
        page = client.get("/docs").text
        assert "/static/swagger/swagger-ui-bundle.js" in page
        assert "cdn" not in page.lower()

    def test_unknown_api_path_is_problem_json(self, client):
        response = client.get("/api/v1/nothing-here")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
