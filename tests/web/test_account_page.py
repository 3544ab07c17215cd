"""The account page, without JavaScript: one's own name and page language, and
one's own API tokens across workspaces (see, revoke, make one no stronger than
one's role). A refusal shows its reason next to the field and saves nothing;
another person's token is a 404 and stays as it was."""

from __future__ import annotations

import html
import re

import pytest
from sqlmodel import func, select

from app.errors import Invalid
from app.models import ApiToken, User
from app.services import users
from tests.conftest import build_world
from tests.web.test_sessions import sign_in


def page(client) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/account")
    assert response.status_code == 200
    return html.unescape(response.text)


def field_error(text: str, control_id: str) -> str:
    """The error shown in the same field as the control, or ''."""
    for block in text.split('<div class="field')[1:]:
        if f'id="{control_id}"' in block.split("</div>")[0]:
            found = re.search(r'class="field-error"[^>]*>([^<]*)<', block.split("</div>")[0])
            return found.group(1) if found else ""
    raise AssertionError(f"no field with {control_id}")


def the_user(session, email: str) -> User:  # type: ignore[no-untyped-def]
    session.expire_all()
    user = session.exec(select(User).where(User.email == email)).one()
    return user


def token_named(session, name: str) -> ApiToken:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.exec(select(ApiToken).where(ApiToken.name == name)).one()


def token_count(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(ApiToken)).one())


def channels_status(client, world, secret: str) -> int:  # type: ignore[no-untyped-def]
    return int(client.get(world.path("/channels"),
                          headers={"Authorization": f"Bearer {secret}"}).status_code)


def save_profile(client, csrf, **fields):  # type: ignore[no-untyped-def]
    return client.post("/account/profile", data={"csrf_token": csrf, "name": "Eda Editor",
                                                 "language": "en", **fields},
                       follow_redirects=False)


class TestProfile:
    def test_the_name_is_trimmed_and_saved_with_the_language(self, client, world, session):
        csrf = sign_in(client, world.users["editor"], world.passwords["editor"])
        text = page(client)
        assert "Your language" in text and '<option value="" selected>' in text
        response = save_profile(client, csrf, name="  Eda Editor  ", language="de")
        assert response.status_code == 200
        # The answer to the save is already in the language just chosen.
        assert "Dein Name und deine Sprache sind gespeichert." in response.text
        assert '<html lang="de">' in response.text
        user = the_user(session, world.users["editor"])
        assert (user.name, user.language) == ("Eda Editor", "de")
        # Every page follows the person's choice, whatever the browser asks for.
        text = client.get("/account", headers={"Accept-Language": "en"}).text
        assert 'value="Eda Editor"' in text
        assert '<option value="de" lang="de" selected>' in text
        assert '<html lang="de">' in text
        # Back to English, with a name of exactly the longest length.
        assert save_profile(client, csrf, name="N" * 120, language="en").status_code == 200
        user = the_user(session, world.users["editor"])
        assert (user.name, user.language) == ("N" * 120, "en")
        # No choice of one's own: the browser decides again.
        assert save_profile(client, csrf, language="").status_code == 200
        assert the_user(session, world.users["editor"]).language == ""
        assert '<html lang="de">' in client.get(
            "/account", headers={"Accept-Language": "de-DE,de;q=0.9"}).text

    def test_an_empty_name_is_refused_next_to_the_field_and_nothing_is_saved(
            self, client, world, session):
        csrf = sign_in(client, world.users["editor"], world.passwords["editor"])
        response = save_profile(client, csrf, name="   ", language="de")
        assert response.status_code == 422
        text = html.unescape(response.text)
        assert field_error(text, "profile-name") == "Write your name."
        assert field_error(text, "profile-language") == ""
        user = the_user(session, world.users["editor"])
        assert (user.name, user.language) == ("Editor", "")

    def test_a_name_over_120_characters_is_refused(self, client, world, session):
        csrf = sign_in(client, world.users["editor"], world.passwords["editor"])
        response = save_profile(client, csrf, name="N" * 121)
        assert response.status_code == 422
        text = html.unescape(response.text)
        assert "120 characters" in field_error(text, "profile-name")
        assert 'value="' + "N" * 121 + '"' in text  # what was typed stays to be shortened
        assert the_user(session, world.users["editor"]).name == "Editor"

    def test_another_language_is_refused_next_to_the_select(self, client, world, session):
        csrf = sign_in(client, world.users["editor"], world.passwords["editor"])
        response = save_profile(client, csrf, name="Eda Editor", language="fr")
        assert response.status_code == 422
        text = html.unescape(response.text)
        assert field_error(text, "profile-language") == "Choose one of the languages in the list."
        assert field_error(text, "profile-name") == ""
        user = the_user(session, world.users["editor"])
        assert (user.name, user.language) == ("Editor", "")

    def test_the_form_needs_its_csrf_token(self, client, world, session):
        sign_in(client, world.users["editor"], world.passwords["editor"])
        assert save_profile(client, "forged", name="Mallory").status_code == 403
        assert the_user(session, world.users["editor"]).name == "Editor"

    def test_the_service_refuses_like_the_page(self, session, world):
        user = the_user(session, world.users["viewer"])
        with pytest.raises(Invalid) as refused:
            users.update_profile(session=session, user=user, name="", language="xx")
        assert {e.field for e in refused.value.errors} == {"name", "language"}
        assert (user.name, user.language) == ("Viewer", "")


class TestOwnTokens:
    def test_the_page_lists_ones_own_tokens_across_workspaces_only(
            self, client, world, session):
        other = build_world(session, name="Beta Studio")
        # The editor of Acme is a lead in Beta Studio too, with a token there.
        editor = the_user(session, world.users["editor"])
        users.set_membership(session=session, workspace_id=other.workspace_id,
                             user_id=editor.id, role="lead")
        session.commit()
        csrf = sign_in(client, world.users["editor"], world.passwords["editor"])
        created = client.post("/account/tokens", data={
            "csrf_token": csrf, "workspace_id": other.workspace_id, "role": "lead",
            "name": "beta script"})
        assert created.status_code == 200
        text = page(client)
        rows = re.findall(r"<tr[^>]*>\s*<td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>", text)
        assert ("Acme", "editor token", "editor") in rows
        assert ("Beta Studio", "beta script", "lead") in rows
        assert len(rows) == 2  # nobody else's tokens
        assert "admin token" not in text and "lead token" not in text

    def test_revoking_ones_token_makes_the_api_answer_401_for_it(self, client, world, session):
        csrf = sign_in(client, world.users["editor"], world.passwords["editor"])
        assert channels_status(client, world, world.tokens["editor"]) == 200
        token = token_named(session, "editor token")
        response = client.post(f"/account/tokens/{token.id}/revoke",
                               data={"csrf_token": csrf}, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/account")
        assert token_named(session, "editor token").revoked_at is not None
        assert channels_status(client, world, world.tokens["editor"]) == 401
        assert channels_status(client, world, world.tokens["lead"]) == 200
        text = page(client)
        assert "revoked" in text
        assert f"/account/tokens/{token.id}/revoke" not in text  # no button for a dead token

    def test_another_persons_token_is_404_and_stays_live(self, client, world, session):
        csrf = sign_in(client, world.users["editor"], world.passwords["editor"])
        theirs = token_named(session, "admin token")
        response = client.post(f"/account/tokens/{theirs.id}/revoke",
                               data={"csrf_token": csrf}, follow_redirects=False)
        assert response.status_code == 404
        assert token_named(session, "admin token").revoked_at is None
        assert channels_status(client, world, world.tokens["admin"]) == 200
        unknown = client.post("/account/tokens/no-such-token/revoke",
                              data={"csrf_token": csrf}, follow_redirects=False)
        assert unknown.status_code == 404

    def test_revoking_needs_the_csrf_token(self, client, world, session):
        sign_in(client, world.users["editor"], world.passwords["editor"])
        token = token_named(session, "editor token")
        response = client.post(f"/account/tokens/{token.id}/revoke",
                               data={"csrf_token": "forged"}, follow_redirects=False)
        assert response.status_code == 403
        assert channels_status(client, world, world.tokens["editor"]) == 200

    def test_a_token_of_ones_own_role_is_made_and_shown_once(self, client, world, session):
        csrf = sign_in(client, world.users["editor"], world.passwords["editor"])
        before = token_count(session)
        response = client.post("/account/tokens", data={
            "csrf_token": csrf, "workspace_id": world.workspace_id, "role": "editor",
            "name": "  my publishing script "})
        assert response.status_code == 200
        secret = re.search(r'<code class="token-secret">([^<]+)</code>', response.text)
        assert secret is not None
        assert token_count(session) == before + 1
        made = token_named(session, "my publishing script")
        assert made.role == "editor"
        assert made.created_by_id == the_user(session, world.users["editor"]).id
        assert channels_status(client, world, secret.group(1)) == 200
        # Shown once: the page afterwards lists the token but not its secret.
        assert secret.group(1) not in page(client)

    def test_a_token_above_ones_role_is_refused_next_to_the_role(self, client, world, session):
        csrf = sign_in(client, world.users["editor"], world.passwords["editor"])
        before = token_count(session)
        for role in ("lead", "admin"):
            response = client.post("/account/tokens", data={
                "csrf_token": csrf, "workspace_id": world.workspace_id, "role": role,
                "name": "too strong"})
            assert response.status_code == 403
            text = html.unescape(response.text)
            assert field_error(text, "own-token-role") == (
                "Your role in Acme is editor: a token of yours can be editor or lower.")
            assert field_error(text, "own-token-name") == ""
            assert "token-secret" not in text
        assert token_count(session) == before

    def test_an_unknown_role_is_refused_next_to_the_role(self, client, world, session):
        csrf = sign_in(client, world.users["admin"], world.passwords["admin"])
        before = token_count(session)
        response = client.post("/account/tokens", data={
            "csrf_token": csrf, "workspace_id": world.workspace_id, "role": "owner"})
        assert response.status_code == 422
        assert field_error(html.unescape(response.text), "own-token-role") == (
            "Choose viewer, editor, lead or admin.")
        assert token_count(session) == before

    def test_a_workspace_one_is_not_in_is_404_and_makes_no_token(self, client, world, session):
        rival = build_world(session, name="Rival Works")
        csrf = sign_in(client, world.users["admin"], world.passwords["admin"])
        before = token_count(session)
        response = client.post("/account/tokens", data={
            "csrf_token": csrf, "workspace_id": rival.workspace_id, "role": "viewer",
            "name": "sneaky"})
        assert response.status_code == 404
        assert "Rival Works" not in response.text
        assert token_count(session) == before
