"""Signing in and out of the pages."""

from __future__ import annotations


def csrf_from(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


class TestLogin:
    def test_anonymous_home_redirects_to_login(self, client, world):
        response = client.get("/", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login"

    def test_wrong_password_is_shown_next_to_the_field(self, client, world):
        token = csrf_from(client.get("/login").text)
        response = client.post("/login", data={"email": world.users["editor"],
                                               "password": "wrong-password",
                                               "csrf_token": token})
        assert response.status_code == 400
        assert 'id="password-error"' in response.text
        assert "do not match" in response.text
        assert world.users["editor"] in response.text  # the email is kept

    def test_sign_in_lists_workspaces_and_sets_a_safe_cookie(self, client, world):
        token = csrf_from(client.get("/login").text)
        response = client.post("/login", data={"email": world.users["editor"],
                                               "password": world.passwords["editor"],
                                               "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        home = client.get("/")
        assert home.status_code == 200
        assert "Acme" in home.text

    def test_form_without_csrf_token_is_refused(self, client, world):
        client.get("/login")
        response = client.post("/login", data={"email": world.users["editor"],
                                               "password": world.passwords["editor"]})
        assert response.status_code == 403
        assert client.get("/", follow_redirects=False).status_code == 303

    def test_next_cannot_leave_the_site(self, client, world):
        token = csrf_from(client.get("/login").text)
        response = client.post("/login", data={"email": world.users["viewer"],
                                               "password": world.passwords["viewer"],
                                               "csrf_token": token,
                                               "next": "https://evil.example/"},
                               follow_redirects=False)
        assert response.headers["location"] == "/"

    def test_logout_ends_the_session(self, client, world):
        token = csrf_from(client.get("/login").text)
        client.post("/login", data={"email": world.users["editor"],
                                    "password": world.passwords["editor"], "csrf_token": token})
        home = client.get("/")
        csrf = home.text.split('"X-CSRF-Token": "')[1].split('"')[0]
        response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
        assert response.status_code == 303
        assert client.get("/", follow_redirects=False).status_code == 303

    def test_pages_send_security_headers(self, client):
        response = client.get("/login")
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
