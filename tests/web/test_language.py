"""The reader's language on the pages: the browser's, or the footer's choice."""

from __future__ import annotations

import html
import re

from sqlmodel import select

from tests.web.test_login import csrf_from
from tests.web.test_sessions import sign_in


class TestLanguage:
    def test_english_by_default(self, client, world):
        page = client.get("/login")
        assert '<html lang="en">' in page.text
        assert "Skip to content" in page.text

    def test_the_browser_asks_for_german(self, client, world):
        page = client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.8"})
        assert '<html lang="de">' in page.text
        assert "Zum Inhalt springen" in page.text
        assert "Skip to content" not in page.text

    def test_the_switcher_keeps_the_choice_over_the_browsers(self, client, world):
        token = csrf_from(client.get("/login").text)
        chosen = client.post("/language", data={"language": "de", "next": "/login?next=/w",
                                                "csrf_token": token}, follow_redirects=False)
        assert chosen.status_code == 303
        assert chosen.headers["location"] == "/login?next=/w"
        cookie = chosen.headers["set-cookie"].lower()
        assert cookie.startswith("giveask_lang=de") and "httponly" in cookie
        page = client.get("/login", headers={"Accept-Language": "en-US"})
        assert '<html lang="de">' in page.text
        assert 'aria-current="true">Deutsch</button>' in page.text
        token = csrf_from(page.text)
        client.post("/language", data={"language": "en", "csrf_token": token})
        assert '<html lang="en">' in client.get("/login").text

    def test_the_switcher_goes_back_to_the_page_it_was_on(self, client, world):
        token = csrf_from(client.get("/login").text)
        back = client.post("/language", data={"language": "de", "csrf_token": token},
                           headers={"Referer": "http://testserver/login?next=/w"},
                           follow_redirects=False)
        assert back.headers["location"] == "/login?next=/w"
        elsewhere = client.post("/language", data={"language": "de", "csrf_token": token},
                                headers={"Referer": "https://evil.example/login"},
                                follow_redirects=False)
        assert elsewhere.headers["location"] == "/"

    def test_an_unknown_language_is_refused_and_changes_nothing(self, client, world):
        token = csrf_from(client.get("/login").text)
        refused = client.post("/language", data={"language": "xx", "csrf_token": token},
                              follow_redirects=False)
        assert refused.status_code == 422
        assert "language" in refused.text and "en, de" in refused.text
        assert "giveask_lang" not in refused.headers.get("set-cookie", "")
        assert '<html lang="en">' in client.get("/login").text

    def test_the_switcher_sends_back_only_to_this_site(self, client, world):
        token = csrf_from(client.get("/login").text)
        for target in ("//evil.example/x", "https://evil.example/", "javascript:alert(1)"):
            chosen = client.post("/language", data={"language": "de", "next": target,
                                                    "csrf_token": token},
                                 follow_redirects=False)
            assert chosen.headers["location"] == "/", target

    def test_without_the_form_token_nothing_changes(self, client, world):
        client.get("/login")
        refused = client.post("/language", data={"language": "de"}, follow_redirects=False)
        assert refused.status_code in (400, 403)
        assert "giveask_lang" not in refused.headers.get("set-cookie", "")

    def test_a_forged_cookie_value_falls_back(self, client, world):
        client.cookies.set("giveask_lang", "<script>")
        page = client.get("/login", headers={"Accept-Language": "de"})
        assert '<html lang="de">' in page.text


class TestTheTeamsLanguage:
    """Readers who chose nothing and whose browser asks for none of ours read
    the workspace's language; a person's own choice goes before the browser."""

    def _german_team(self, session, world) -> None:  # type: ignore[no-untyped-def]
        from app.models import Workspace

        workspace = session.get(Workspace, world.workspace_id)
        workspace.language = "de"
        session.add(workspace)
        session.flush()

    def test_the_workspace_speaks_when_nobody_else_does(self, client, world, session):
        self._german_team(session, world)
        sign_in(client, world.users["editor"], world.passwords["editor"])
        calendar = f"/w/{world.workspace_id}/calendar"
        assert '<html lang="de">' in client.get(calendar, headers={"Accept-Language": "fr"}).text
        # The browser's own language of ours goes before the team's.
        assert '<html lang="en">' in client.get(calendar, headers={"Accept-Language": "en"}).text

    def test_the_admin_sets_the_teams_language_on_the_settings_page(self, client, world, session):
        from app.models import Workspace

        csrf = sign_in(client, world.users["admin"], world.passwords["admin"])
        settings = f"/w/{world.workspace_id}/settings"
        form = client.get(settings).text
        version = re.search(r'name="version" value="(\d+)"', form).group(1)  # type: ignore[union-attr]
        base = {"csrf_token": csrf, "version": version, "workspace_name": "Acme",
                "timezone": "Europe/Berlin"}
        refused = client.post(settings, data={**base, "language": "xx"})
        assert refused.status_code == 422
        assert "Pick one of the languages in the list." in html.unescape(refused.text)
        assert session.get(Workspace, world.workspace_id).language == "en"
        saved = client.post(settings, data={**base, "language": "de"})
        assert saved.status_code == 200
        session.expire_all()
        assert session.get(Workspace, world.workspace_id).language == "de"

    def test_the_api_sets_the_teams_language_and_names_a_wrong_one(self, client, world, session):
        refused = client.patch(world.path(), json={"language": "fr"}, headers=world.auth("admin"))
        assert refused.status_code == 422
        assert "language" in refused.text and "en, de" in refused.text
        saved = client.patch(world.path(), json={"language": "de"}, headers=world.auth("admin"))
        assert saved.status_code == 200 and saved.json()["language"] == "de"

    def test_the_switcher_of_a_signed_in_person_is_their_own_choice(self, client, world, session):
        from app.models import User

        csrf = sign_in(client, world.users["viewer"], world.passwords["viewer"])
        client.post("/language", data={"language": "de", "csrf_token": csrf},
                    follow_redirects=False)
        user = session.exec(select(User).where(User.email == world.users["viewer"])).one()
        session.refresh(user)
        assert user.language == "de"
        # It follows them to a browser without the cookie.
        client.cookies.delete("giveask_lang")
        assert '<html lang="de">' in client.get(
            "/account", headers={"Accept-Language": "en"}).text
