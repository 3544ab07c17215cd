"""Sessions end on the server, and failed sign-ins slow down (OWASP ASVS 2 and 3).

Time moves by the app's clock (``app.state.clock``), never by sleeping."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import utcnow
from app.models import LoginThrottle, User
from tests.web.test_login import csrf_from

COOKIE = "giveask_session"


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture()
def clock(app) -> Clock:  # type: ignore[no-untyped-def]
    clock = Clock()
    app.state.clock = clock
    return clock


def tune(app, **values: object):  # type: ignore[no-untyped-def]
    """The app's settings with a few values changed (fewer sign-ins to reach a limit)."""
    app.state.settings = app.state.settings.model_copy(update=values)
    return app.state.settings


def login(client: TestClient, email: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token}, follow_redirects=False)


def sign_in(client: TestClient, email: str, password: str) -> str:
    assert login(client, email, password).status_code == 303
    return page_csrf(client)


def page_csrf(client: TestClient) -> str:
    page = client.get("/account")
    assert page.status_code == 200
    return page.text.split('"X-CSRF-Token": "')[1].split('"')[0]


def signed_in(client: TestClient) -> bool:
    response = client.get("/account", follow_redirects=False)
    if response.status_code == 200:
        return True
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    return False


def second_client(app, address: str = "testclient") -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, raise_server_exceptions=False, client=(address, 50001))


class TestSignOut:
    def test_a_cookie_replayed_after_sign_out_is_signed_out(self, client, world, clock):
        csrf = sign_in(client, world.users["editor"], world.passwords["editor"])
        saved = client.cookies[COOKIE]
        assert client.post("/logout", data={"csrf_token": csrf},
                           follow_redirects=False).status_code == 303
        # An attacker who copied the cookie before sign-out sends it again.
        client.cookies.set(COOKIE, saved)
        assert not signed_in(client)
        client.cookies.set(COOKIE, saved)
        response = client.get(world.path("/channels"))
        assert response.status_code == 401
        client.cookies.set(COOKIE, saved)
        home = client.get("/", follow_redirects=False)
        assert home.status_code == 303 and home.headers["location"] == "/login"

    def test_signing_in_again_ends_the_session_the_browser_had(self, client, world, clock):
        csrf = sign_in(client, world.users["editor"], world.passwords["editor"])
        saved = client.cookies[COOKIE]
        response = client.post("/login", data={"email": world.users["viewer"],
                                               "password": world.passwords["viewer"],
                                               "csrf_token": csrf}, follow_redirects=False)
        assert response.status_code == 303
        assert world.users["viewer"] in client.get("/account").text
        client.cookies.set(COOKIE, saved)
        assert not signed_in(client)

    def test_sign_out_ends_only_this_browser(self, app, client, world, clock):
        sign_in(client, world.users["editor"], world.passwords["editor"])
        with second_client(app) as other:
            csrf = sign_in(other, world.users["editor"], world.passwords["editor"])
            other.post("/logout", data={"csrf_token": csrf})
            assert not signed_in(other)
        assert signed_in(client)

    def test_sign_out_everywhere_ends_every_session_of_the_user(self, app, client, world,
                                                                clock):
        sign_in(client, world.users["editor"], world.passwords["editor"])
        with second_client(app) as laptop, second_client(app) as colleague:
            csrf = sign_in(laptop, world.users["editor"], world.passwords["editor"])
            sign_in(colleague, world.users["viewer"], world.passwords["viewer"])
            page = laptop.get("/account").text
            assert 'action="/account/sign-out-everywhere"' in page
            assert "signed in on 2 browsers" in page
            response = laptop.post("/account/sign-out-everywhere", data={"csrf_token": csrf},
                                   follow_redirects=False)
            assert response.status_code == 303
            assert response.headers["location"] == "/login"
            assert not signed_in(laptop)
            assert not signed_in(client)
            assert signed_in(colleague)  # another user's session is theirs
        # Signing in again works as before.
        sign_in(client, world.users["editor"], world.passwords["editor"])

    def test_sign_out_everywhere_needs_the_csrf_token(self, client, world, clock):
        sign_in(client, world.users["editor"], world.passwords["editor"])
        response = client.post("/account/sign-out-everywhere", data={})
        assert response.status_code == 403
        assert signed_in(client)


class TestPasswordChange:
    def change(self, client: TestClient, csrf: str, current: str, new: str):  # type: ignore[no-untyped-def]
        return client.post("/account/password", data={"csrf_token": csrf,
                                                      "current_password": current,
                                                      "new_password": new})

    def test_a_change_ends_other_sessions_and_keeps_this_one(self, app, client, world,
                                                             clock):
        email, old = world.users["lead"], world.passwords["lead"]
        csrf = sign_in(client, email, old)
        with second_client(app) as phone:
            sign_in(phone, email, old)
            response = self.change(client, csrf, old, "tall giraffes eat lunch late")
            assert response.status_code == 200
            assert "password is changed" in response.text
            assert "1 other session signed out" in response.text
            assert signed_in(client)
            assert not signed_in(phone)
        with second_client(app) as fresh:
            assert login(fresh, email, old).status_code == 400
            assert login(fresh, email, "tall giraffes eat lunch late").status_code == 303

    def test_wrong_current_password_is_shown_next_to_its_field(self, client, world, clock):
        csrf = sign_in(client, world.users["lead"], world.passwords["lead"])
        response = self.change(client, csrf, "not-my-password-at-all", "tall giraffes eat")
        assert response.status_code == 422
        assert 'id="current-password-error"' in response.text
        assert "not your current password" in response.text
        assert 'id="new-password-error"' not in response.text

    @pytest.mark.parametrize(("new", "words"), [
        ("short", "at least 12 characters"),
        (" " * 14, "only spaces"),
        ("password1234", "most common passwords"),
        ("aaaaaaaaaaaaaaaa", "repeats too few characters"),
    ])
    def test_a_weak_new_password_is_shown_next_to_its_field(self, client, world, clock, new,
                                                            words):
        email, old = world.users["lead"], world.passwords["lead"]
        csrf = sign_in(client, email, old)
        response = self.change(client, csrf, old, new)
        assert response.status_code == 422
        assert 'id="new-password-error"' in response.text
        assert words in response.text
        with second_client(client.app) as fresh:  # nothing changed
            assert login(fresh, email, old).status_code == 303

    def test_guessing_the_current_password_is_throttled(self, client, world, clock):
        csrf = sign_in(client, world.users["lead"], world.passwords["lead"])
        statuses = [self.change(client, csrf, f"guess-number-{i:03d}", "tall giraffes eat")
                    .status_code for i in range(8)]
        assert statuses[:5] == [422] * 5
        assert statuses[-1] == 429


class TestTimeouts:
    def test_idle_sessions_end_after_the_idle_timeout(self, client, world, clock, settings):
        sign_in(client, world.users["viewer"], world.passwords["viewer"])
        clock.advance(hours=settings.session_idle_hours - 1)
        assert signed_in(client)  # a request: the idle time starts again
        clock.advance(hours=settings.session_idle_hours - 1)
        assert signed_in(client)
        clock.advance(hours=settings.session_idle_hours, minutes=1)
        assert not signed_in(client)

    def test_sessions_end_at_the_absolute_timeout_however_busy(self, client, world, clock,
                                                               settings):
        sign_in(client, world.users["viewer"], world.passwords["viewer"])
        step = settings.session_idle_hours - 1
        elapsed = 0.0
        while elapsed + step < settings.session_max_age_days * 24:
            clock.advance(hours=step)
            elapsed += step
            assert signed_in(client), f"signed out after {elapsed} hours"
        clock.advance(hours=step)
        assert not signed_in(client)


class TestThrottle:
    def test_25_wrong_passwords_then_429_until_the_wait_is_over(self, client, world, clock,
                                                                 session):
        email, password = world.users["editor"], world.passwords["editor"]
        statuses = [login(client, email, f"wrong-password-{i}").status_code
                    for i in range(25)]
        assert statuses[:5] == [400] * 5  # the first failures are free
        assert statuses[-1] == 429
        refused = login(client, email, password)  # even the right password waits
        assert refused.status_code == 429
        wait = int(refused.headers["retry-after"])
        assert wait >= 1
        assert "Too many failed sign-ins" in refused.text
        assert 'id="password-error"' in refused.text
        assert email in refused.text
        # The wait runs out (moved in the database, as an hour passing would).
        for row in session.exec(select(LoginThrottle)).all():
            row.blocked_until = clock.now - timedelta(seconds=1)
            session.add(row)
        session.commit()
        assert login(client, email, password).status_code == 303
        # The success forgets the account's failures: the next mistake is free again.
        with second_client(client.app, "192.0.2.7") as other:
            assert login(other, email, "wrong-once-more").status_code == 400

    def test_the_wait_doubles_and_is_capped(self, app, client, world, clock):
        settings = tune(app, login_backoff_max_seconds=60)
        email = world.users["editor"]
        for _ in range(settings.login_free_failures):
            assert login(client, email, "a-wrong-password").status_code == 400
        waits = []
        for _ in range(9):
            response = login(client, email, "a-wrong-password")
            assert response.status_code == 400  # counted: the previous wait was over
            blocked = login(client, email, "a-wrong-password")
            assert blocked.status_code == 429
            waits.append(int(blocked.headers["retry-after"]))
            clock.advance(seconds=waits[-1])
        assert waits[:5] == [1, 2, 4, 8, 16]
        assert max(waits) == settings.login_backoff_max_seconds
        assert waits[-1] == settings.login_backoff_max_seconds
        # After the longest wait the right password works: nobody is locked out for good.
        assert login(client, email, world.passwords["editor"]).status_code == 303

    def test_failures_are_forgotten_after_a_while(self, client, world, clock, settings):
        email = world.users["editor"]
        for _ in range(settings.login_free_failures + 1):
            login(client, email, "a-wrong-password")
        assert login(client, email, "a-wrong-password").status_code == 429
        clock.advance(hours=settings.login_failures_forget_hours, minutes=1)
        statuses = [login(client, email, "a-wrong-password").status_code
                    for _ in range(settings.login_free_failures)]
        assert statuses == [400] * settings.login_free_failures

    def test_one_address_guessing_many_accounts_is_throttled_not_the_users(
            self, app, client, world, clock):
        settings = tune(app, login_free_failures_per_address=6)
        with second_client(app, "198.51.100.9") as attacker:
            for i in range(settings.login_free_failures_per_address):
                response = login(attacker, f"someone-{i}@acme.test", "a-wrong-password")
                assert response.status_code == 400
            assert login(attacker, "one-more@acme.test", "a-wrong-password").status_code == 400
            assert login(attacker, world.users["viewer"],
                         world.passwords["viewer"]).status_code == 429
        # The real user, from their own address, is not held back by the attacker's count.
        assert login(client, world.users["viewer"], world.passwords["viewer"]).status_code == 303

    def test_guessing_one_account_from_another_address_waits_at_most_the_cap(
            self, app, client, world, clock):
        settings = tune(app, login_backoff_max_seconds=60)
        email, password = world.users["admin"], world.passwords["admin"]
        with second_client(app, "203.0.113.5") as attacker:
            for _ in range(20):
                login(attacker, email, "a-wrong-password")
                clock.advance(seconds=10)
        response = login(client, email, password)
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) <= settings.login_backoff_max_seconds
        clock.advance(seconds=settings.login_backoff_max_seconds)
        assert login(client, email, password).status_code == 303

    def test_the_throttle_keeps_no_email_or_address(self, client, world, clock, session):
        for _ in range(3):
            login(client, world.users["editor"], "a-wrong-password")
        rows = session.exec(select(LoginThrottle)).all()
        assert len(rows) == 2  # the account and the address
        for row in rows:
            assert "@" not in row.key and "testclient" not in row.key


def test_an_account_with_a_strong_password_is_still_created(session):
    from app.services import users

    user = users.create_user(session=session, email="long.pass@acme.test",
                             password="Maple syrup on Tuesdays")
    assert session.exec(select(User).where(User.id == user.id)).one().email == user.email
