"""The reader's language on the pages: the browser's, or the footer's choice."""

from __future__ import annotations

from tests.web.test_login import csrf_from


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
