"""The workspace's settings (admins): rename, a new time zone that says what it
recuts, self-approval, archiving; bad values next to the field, nothing saved;
and PATCH archived in the API."""

from __future__ import annotations

from sqlmodel import select

from app.models import Workspace
from tests.web.test_login import csrf_from
from tests.web.test_planner import sign_in


def page_form(client, world, **changes):  # type: ignore[no-untyped-def]
    page = client.get(f"/w/{world.workspace_id}/settings")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.text), "workspace_name": "Acme",
            "timezone": "Europe/Berlin",
            "version": page.text.split('name="version" value="')[1].split('"')[0]}
    data.update(changes)
    return data


def workspace(session, world) -> Workspace:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.exec(select(Workspace).where(Workspace.id == world.workspace_id)).one()


class TestTheManageMenu:
    def test_admins_reach_settings_members_and_tokens_from_one_entry(self, client, world):
        sign_in(client, world, "admin")
        ws = f"/w/{world.workspace_id}"
        calendar = client.get(f"{ws}/calendar").text
        menu = calendar.split('<details class="ws-manage" data-menu>')[1].split("</details>")[0]
        assert ['href="' + f"{ws}/{page}" + '"' in menu
                for page in ("settings", "members", "tokens")] == [True] * 3
        assert '<summary>Manage</summary>' in menu  # not the page the admin is on
        settings = client.get(f"{ws}/settings").text
        menu = settings.split('<details class="ws-manage" data-menu>')[1].split("</details>")[0]
        assert '<summary class="here">Manage</summary>' in menu
        assert f'href="{ws}/settings" aria-current="page"' in menu

    def test_leads_have_no_manage_menu(self, client, world):
        sign_in(client, world, "lead")
        page = client.get(f"/w/{world.workspace_id}/calendar").text
        assert "ws-manage" not in page and f'href="/w/{world.workspace_id}/rules"' in page


class TestSettingsPage:
    def test_only_admins_see_it(self, client, world):
        sign_in(client, world, "lead")
        assert client.get(f"/w/{world.workspace_id}/settings").status_code == 403

    def test_rename_and_a_new_zone_say_what_they_recut(self, client, world, session):
        sign_in(client, world, "admin")
        response = client.post(f"/w/{world.workspace_id}/settings", data=page_form(
            client, world, workspace_name="Acme Social", timezone="America/New_York",
            allow_self_approval="yes"))
        assert response.status_code == 200
        assert "Times are now shown in America/New_York" in response.text
        saved = workspace(session, world)
        assert (saved.name, saved.timezone, saved.allow_self_approval) == (
            "Acme Social", "America/New_York", True)

    def test_bad_values_are_shown_next_to_the_field_and_nothing_is_saved(self, client, world,
                                                                        session):
        sign_in(client, world, "admin")
        for field, value in (("timezone", "Mars/Olympus"), ("workspace_name", "")):
            response = client.post(f"/w/{world.workspace_id}/settings",
                                   data=page_form(client, world, **{field: value}))
            assert response.status_code == 422
            assert f'id="f-{field}-error"' in response.text
        saved = workspace(session, world)
        assert (saved.name, saved.timezone) == ("Acme", "Europe/Berlin")

    def test_a_stale_form_shows_the_settings_as_they_are_now(self, client, world, session):
        sign_in(client, world, "admin")
        stale = page_form(client, world, workspace_name="From the old tab")
        client.post(f"/w/{world.workspace_id}/settings",
                    data=page_form(client, world, workspace_name="From the new tab"))
        response = client.post(f"/w/{world.workspace_id}/settings", data=stale)
        assert response.status_code == 409
        assert "changed these settings meanwhile" in response.text
        assert workspace(session, world).name == "From the new tab"

    def test_archive_and_bring_back(self, client, world, session):
        sign_in(client, world, "admin")
        page = client.get(f"/w/{world.workspace_id}/settings")
        response = client.post(f"/w/{world.workspace_id}/settings/archive", data={
            "csrf_token": csrf_from(page.text), "archived": "yes"}, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/workspaces"
        assert workspace(session, world).archived_at is not None
        listing = client.get("/workspaces")
        assert "Archived (1)" in listing.text
        back = client.post(f"/w/{world.workspace_id}/settings/archive", data={
            "csrf_token": csrf_from(page.text), "archived": "no"})
        assert back.status_code == 200
        assert workspace(session, world).archived_at is None


class TestArchiveInTheApi:
    def test_patch_archived_and_back(self, client, world, session):
        response = client.patch(world.path(""), headers=world.auth("admin"),
                                json={"archived": True})
        assert response.status_code == 200, response.text
        assert response.json()["archived_at"]
        assert client.patch(world.path(""), headers=world.auth("admin"),
                            json={"archived": False}).json()["archived_at"] is None
        refused = client.patch(world.path(""), headers=world.auth("lead"),
                               json={"archived": True})
        assert refused.status_code == 403
        assert workspace(session, world).archived_at is None

    def test_an_archived_workspace_takes_no_new_posts(self, client, world, session):
        assert client.patch(world.path(""), headers=world.auth("admin"),
                            json={"archived": True}).status_code == 200
        response = client.post(world.path("/posts"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "scheduled_at": "2030-01-07T09:00:00+01:00",
            "kind": "give", "text": "A tip"})
        assert response.status_code == 409
        assert "archived" in response.json()["detail"]
        client.patch(world.path(""), headers=world.auth("admin"), json={"archived": False})
        again = client.post(world.path("/posts"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "scheduled_at": "2030-01-07T09:00:00+01:00",
            "kind": "give", "text": "A tip"})
        assert again.status_code == 201
