"""Members join by invitation: no account is attached without its owner, and the
answer to an invitation never tells whether an email has an account."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import utcnow
from app.models import AuditEvent, Invitation, Membership, User
from tests.conftest import World, build_world
from tests.web.test_login import csrf_from
from tests.web.test_sessions import login, sign_in


def invite(client: TestClient, world: World, email: str, role: str = "editor"):  # type: ignore[no-untyped-def]
    return client.post(world.path("/members"), json={"email": email, "role": role},
                       headers=world.auth("admin"))


def member_emails(client: TestClient, world: World) -> set[str]:
    body = client.get(world.path("/members"), headers=world.auth("viewer")).json()
    return {m["email"] for m in body["items"]}


def shape(body: dict[str, object]) -> dict[str, type]:
    return {key: type(value) for key, value in body.items()}


def workspaces_of(session, email: str) -> set[str]:  # type: ignore[no-untyped-def]
    user = session.exec(select(User).where(User.email == email)).one()
    return {m.workspace_id for m in session.exec(
        select(Membership).where(Membership.user_id == user.id)).all()}


def join(client: TestClient, token: str, name: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 200, page.text
    return client.post(f"/invitations/{token}/join",
                       data={"csrf_token": csrf_from(page.text), "name": name,
                             "password": password}, follow_redirects=False)


class TestInviting:
    def test_known_and_unknown_emails_get_the_same_answer(self, client, world, session):
        other = build_world(session, name="Other Co")
        known = invite(client, world, other.users["viewer"])
        unknown = invite(client, world, "nobody-yet@acme.test")
        assert known.status_code == unknown.status_code == 202
        assert shape(known.json()) == shape(unknown.json())
        assert known.headers.get("location") is None and unknown.headers.get("location") is None
        for response, email in ((known, other.users["viewer"]),
                                (unknown, "nobody-yet@acme.test")):
            body = response.json()
            assert body["email"] == email and body["role"] == "editor"
            assert body["status"] == "pending"
            assert body["token"].startswith("gki_")
            assert body["accept_url"].endswith(f"/invitations/{body['token']}")

    def test_an_existing_account_is_not_attached_without_its_owner(self, client, world,
                                                                   session):
        other = build_world(session, name="Other Co")
        invite(client, world, other.users["editor"])
        assert other.users["editor"] not in member_emails(client, world)
        assert workspaces_of(session, other.users["editor"]) == {other.workspace_id}

    def test_members_list_shows_pending_invitations_without_their_token(self, client,
                                                                       world):
        token = invite(client, world, "Pending.Person@Acme.test", "lead").json()["token"]
        body = client.get(world.path("/members"), headers=world.auth("viewer")).json()
        assert [(i["email"], i["role"]) for i in body["invitations"]] == [
            ("pending.person@acme.test", "lead")]
        assert token not in str(body)
        assert "pending.person@acme.test" not in {m["email"] for m in body["items"]}

    def test_only_a_hash_of_the_token_is_stored(self, client, world, session):
        token = invite(client, world, "hash@acme.test").json()["token"]
        stored = session.exec(select(Invitation)).all()
        assert stored and all(token not in i.token_hash for i in stored)

    def test_a_current_member_is_a_conflict(self, client, world):
        response = invite(client, world, world.users["viewer"])
        assert response.status_code == 409
        assert response.json()["errors"][0]["field"] == "email"

    def test_an_old_password_field_is_refused_by_name(self, client, world):
        response = client.post(world.path("/members"),
                               json={"email": "x@acme.test", "role": "viewer",
                                     "password": "a-long-enough-password"},
                               headers=world.auth("admin"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "password"

    def test_inviting_again_replaces_the_pending_invitation(self, client, world):
        first = invite(client, world, "twice@acme.test", "viewer").json()["token"]
        second = invite(client, world, "twice@acme.test", "lead").json()["token"]
        assert client.get(f"/invitations/{first}").status_code == 404
        assert client.get(f"/invitations/{second}").status_code == 200
        body = client.get(world.path("/members"), headers=world.auth("admin")).json()
        assert [(i["email"], i["role"]) for i in body["invitations"]] == [
            ("twice@acme.test", "lead")]

    def test_invitations_are_audited(self, client, world, session):
        invitation_id = invite(client, world, "audit@acme.test").json()["id"]
        events = session.exec(select(AuditEvent).where(
            AuditEvent.subject_type == "invitation",
            AuditEvent.subject_id == invitation_id)).all()
        assert [e.action for e in events] == ["created"]
        assert events[0].after == {"email": "audit@acme.test", "role": "editor"}


class TestAccepting:
    def test_a_new_person_sets_name_and_password_and_joins(self, app, client, world,
                                                           session):
        token = invite(client, world, "new.person@acme.test", "editor").json()["token"]
        response = join(client, token, "New Person", "blue kettles sing at dawn")
        assert response.status_code == 303
        assert response.headers["location"] == f"/w/{world.workspace_id}/calendar"
        assert client.get(response.headers["location"]).status_code == 200  # signed in
        members = client.get(world.path("/members"), headers=world.auth("viewer")).json()
        joined = [m for m in members["items"] if m["email"] == "new.person@acme.test"]
        assert [(m["name"], m["role"]) for m in joined] == [("New Person", "editor")]
        assert members["invitations"] == []
        actions = [e.action for e in session.exec(select(AuditEvent).where(
            AuditEvent.subject_type == "invitation")).all()]
        assert actions == ["created", "accepted"]
        with TestClient(app, raise_server_exceptions=False) as again:
            assert login(again, "new.person@acme.test",
                         "blue kettles sing at dawn").status_code == 303

    def test_a_weak_password_is_refused_next_to_its_field(self, client, world, session):
        token = invite(client, world, "weak@acme.test").json()["token"]
        response = join(client, token, "Weak", "password1234")
        assert response.status_code == 422
        assert 'id="join-password-error"' in response.text
        assert session.exec(select(User).where(User.email == "weak@acme.test")).first() is None
        assert client.get(f"/invitations/{token}").status_code == 200  # still usable

    def test_an_existing_account_must_sign_in_to_accept(self, client, world, session):
        other = build_world(session, name="Other Co")
        email = other.users["lead"]
        token = invite(client, world, email, "viewer").json()["token"]
        refused = join(client, token, "Hijacker", "chosen by the admin 123")
        assert refused.status_code == 409
        assert "sign in to accept" in refused.text
        assert workspaces_of(session, email) == {other.workspace_id}
        # The owner signs in (their password is the consent) and accepts.
        sign_in(client, email, other.passwords["lead"])
        page = client.get(f"/invitations/{token}")
        assert f'action="/invitations/{token}/accept"' in page.text
        response = client.post(f"/invitations/{token}/accept",
                               data={"csrf_token": csrf_from(page.text)},
                               follow_redirects=False)
        assert response.status_code == 303
        assert workspaces_of(session, email) == {other.workspace_id, world.workspace_id}
        assert client.get(f"/invitations/{token}").status_code == 404  # used

    def test_someone_signed_in_with_another_email_cannot_accept(self, client, world,
                                                                session):
        other = build_world(session, name="Other Co")
        token = invite(client, world, "someone.else@acme.test").json()["token"]
        sign_in(client, other.users["viewer"], other.passwords["viewer"])
        page = client.get(f"/invitations/{token}")
        assert "this invitation is for someone.else@acme.test" in page.text
        response = client.post(f"/invitations/{token}/accept",
                               data={"csrf_token": csrf_from(page.text)})
        assert response.status_code == 403
        assert workspaces_of(session, other.users["viewer"]) == {other.workspace_id}

    def test_expired_withdrawn_and_made_up_links_look_alike(self, client, world, session):
        expired = invite(client, world, "late@acme.test").json()
        withdrawn = invite(client, world, "gone@acme.test").json()
        row = session.get(Invitation, expired["id"])
        assert row is not None
        row.expires_at = utcnow() - timedelta(minutes=1)
        session.add(row)
        session.commit()
        assert client.delete(world.path(f"/invitations/{withdrawn['id']}"),
                             headers=world.auth("admin")).status_code == 204
        pages = [client.get(f"/invitations/{t}") for t in
                 (expired["token"], withdrawn["token"], "gki_made-up-token")]
        assert {p.status_code for p in pages} == {404}
        assert len({p.text for p in pages}) == 1
        body = client.get(world.path("/members"), headers=world.auth("admin")).json()
        assert body["invitations"] == []


class TestAcceptingThroughTheApi:
    def test_the_invited_person_signed_in_accepts(self, client, world, session):
        other = build_world(session, name="Other Co")
        email = other.users["editor"]
        token = invite(client, world, email, "lead").json()["token"]
        path = f"/api/v1/invitations/{token}/accept"
        assert client.post(path).status_code == 401
        assert client.post(path, headers=other.auth("editor")).status_code == 403  # a token
        csrf = sign_in(client, email, other.passwords["editor"])
        assert client.post(path).status_code == 403  # a cookie write needs its CSRF header
        response = client.post(path, headers={"X-CSRF-Token": csrf})
        assert response.status_code == 200
        assert (response.json()["email"], response.json()["role"]) == (email, "lead")
        assert workspaces_of(session, email) == {other.workspace_id, world.workspace_id}
        again = client.post(path, headers={"X-CSRF-Token": csrf})
        assert again.status_code == 404

    def test_someone_else_signed_in_is_refused(self, client, world, session):
        other = build_world(session, name="Other Co")
        token = invite(client, world, "invited@acme.test").json()["token"]
        csrf = sign_in(client, other.users["viewer"], other.passwords["viewer"])
        response = client.post(f"/api/v1/invitations/{token}/accept",
                               headers={"X-CSRF-Token": csrf})
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")
        assert workspaces_of(session, other.users["viewer"]) == {other.workspace_id}


class TestAdministering:
    def test_another_workspaces_invitation_cannot_be_withdrawn(self, client, world, session):
        other = build_world(session, name="Other Co")
        foreign = client.post(other.path("/members"), json={"email": "x@other.test",
                                                            "role": "viewer"},
                              headers=other.auth("admin")).json()
        response = client.delete(world.path(f"/invitations/{foreign['id']}"),
                                 headers=world.auth("admin"))
        assert response.status_code == 404
        assert "x@other.test" not in response.text
        assert client.get(f"/invitations/{foreign['token']}").status_code == 200

    def test_an_admin_changes_a_role_but_never_removes_the_last_admin(self, client, world):
        members = client.get(world.path("/members"), headers=world.auth("admin")).json()
        by_email = {m["email"]: m for m in members["items"]}
        viewer = by_email[world.users["viewer"]]
        response = client.patch(world.path(f"/members/{viewer['id']}"), json={"role": "lead"},
                                headers=world.auth("admin"))
        assert response.status_code == 200
        assert response.json()["role"] == "lead"
        admin = by_email[world.users["admin"]]
        refused = client.patch(world.path(f"/members/{admin['id']}"), json={"role": "viewer"},
                               headers=world.auth("admin"))
        assert refused.status_code == 409
        assert member_roles(client, world)[world.users["admin"]] == "admin"

    def test_members_pages_invite_and_show_the_link_once(self, client, world):
        from tests.web.test_planner import sign_in as page_sign_in

        csrf = page_sign_in(client, world, "admin")
        response = client.post(f"/w/{world.workspace_id}/members",
                               data={"csrf_token": csrf, "email": "page@acme.test",
                                     "role": "editor"})
        assert response.status_code == 200
        assert "sends no email" in response.text
        link = response.text.split('id="invitation-link" readonly value="')[1].split('"')[0]
        assert "/invitations/gki_" in link
        again = client.get(f"/w/{world.workspace_id}/members")
        assert "page@acme.test" in again.text
        assert link not in again.text  # shown once
        bad = client.post(f"/w/{world.workspace_id}/members",
                          data={"csrf_token": csrf, "email": "not-an-email", "role": "editor"})
        assert bad.status_code == 422
        assert 'id="m-email-error"' in bad.text


def member_roles(client: TestClient, world: World) -> dict[str, str]:
    body = client.get(world.path("/members"), headers=world.auth("viewer")).json()
    return {m["email"]: m["role"] for m in body["items"]}
