"""A new instance sets itself up in the browser: first run leads everywhere until
the first admin exists, creates the admin, the workspace and its first channels
all or nothing, and is gone afterwards; sign-up only where the operator opens
it; and a signed-in person lists and creates workspaces."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from app.config import Settings
from app.models import Channel, Membership, User, Workspace
from tests.conftest import TEST_SECRET
from tests.web.test_login import csrf_from

PASSWORD = "a long enough passphrase 2026"


def count(engine: Engine, model: Any) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def setup_form(client: Any, **changes: str) -> dict[str, str]:
    page = client.get("/setup")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.text), "name": "Lena Vogel", "email": "lena@acme.test",
            "password": PASSWORD, "workspace_name": "Acme Marketing",
            "timezone": "Europe/Berlin", "preset": "beth_dunn",
            "channel_0_name": "LinkedIn – Acme", "channel_0_platform": "linkedin",
            "channel_1_name": "Instagram – Acme", "channel_1_platform": "instagram",
            "channel_2_name": "", "channel_2_platform": "other"}
    data.update(changes)
    return data


class TestFirstRun:
    def test_every_page_leads_to_setup_while_nobody_has_an_account(self, fresh_client):
        for path in ("/", "/login"):
            response = fresh_client.get(path, follow_redirects=False)
            assert response.status_code == 303, path
            assert response.headers["location"] == "/setup"
        calendar = fresh_client.get("/w/anything/calendar")  # → login → setup
        assert calendar.url.path == "/setup"
        assert "Welcome to Giveask" in calendar.text

    def test_setup_creates_the_admin_workspace_and_channels_then_is_gone(
            self, fresh_client, fresh_engine):
        response = fresh_client.post("/setup", data=setup_form(fresh_client),
                                     follow_redirects=False)
        assert response.status_code == 303
        with Session(fresh_engine) as session:
            workspace = session.exec(select(Workspace)).one()
            assert (workspace.name, workspace.timezone, workspace.rules_preset) == (
                "Acme Marketing", "Europe/Berlin", "beth_dunn")
            user = session.exec(select(User)).one()
            assert (user.name, user.email) == ("Lena Vogel", "lena@acme.test")
            role = session.exec(select(Membership.role)).one()
            assert role == "admin"
            channels = session.exec(select(Channel.name, Channel.platform)
                                    .order_by(Channel.name)).all()
            assert [tuple(c) for c in channels] == [("Instagram – Acme", "instagram"),
                                                    ("LinkedIn – Acme", "linkedin")]
        assert response.headers["location"] == f"/w/{workspace.id}/calendar"
        # Signed in as the new admin.
        calendar = fresh_client.get(response.headers["location"])
        assert calendar.status_code == 200 and "Acme Marketing" in calendar.text
        assert fresh_client.get("/setup").status_code == 404
        again = fresh_client.post("/setup", data={
            "csrf_token": csrf_from(calendar.text), "name": "Intruder",
            "email": "intruder@evil.test", "password": PASSWORD, "workspace_name": "Mine"})
        assert again.status_code == 404
        assert count(fresh_engine, User) == 1

    @pytest.mark.parametrize("field,value,message", [
        ("email", "not-an-email", "is not an email address"),
        ("password", "short", "at least 12"),
        ("workspace_name", "", "Name your team"),
        ("timezone", "Mars/Olympus", "Pick a time zone"),
        ("channel_1_name", "linkedin – acme", "another channel above"),
        ("channel_0_platform", "myspace", ""),
    ])
    def test_a_bad_field_is_shown_next_to_it_and_nothing_is_created(
            self, fresh_client, fresh_engine, field, value, message):
        response = fresh_client.post("/setup", data=setup_form(fresh_client, **{field: value}))
        assert response.status_code == 422
        assert f'id="f-{field}-error"' in response.text, response.text[-3000:]
        assert message.lower() in response.text.lower()
        for model in (User, Workspace, Channel):
            assert count(fresh_engine, model) == 0
        # What was typed stays, but not the password.
        assert 'value="Acme Marketing"' in response.text or field == "workspace_name"
        assert PASSWORD not in response.text

    def test_setup_without_channels_goes_to_the_channels_page(self, fresh_client):
        data = setup_form(fresh_client, channel_0_name="", channel_1_name="")
        response = fresh_client.post("/setup", data=data, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].endswith("/channels")


class TestSignUp:
    def test_by_invitation_there_is_no_sign_up(self, client, world):
        assert client.get("/signup").status_code == 404
        login = client.get("/login")
        assert "Sign in to Giveask" in login.text and "Create an account" not in login.text


@pytest.fixture()
def open_settings() -> Settings:
    return Settings(env="test", secret_key=TEST_SECRET, signup="open")


class TestOpenSignUp:
    @pytest.fixture()
    def settings(self, open_settings):  # type: ignore[no-untyped-def]
        return open_settings

    def test_anyone_registers_then_creates_a_workspace(self, client, world, session):
        assert "Create an account" in client.get("/login").text
        page = client.get("/signup")
        data = {"csrf_token": csrf_from(page.text), "name": "Sam", "email": "sam@new.test",
                "password": PASSWORD}
        response = client.post("/signup", data=data, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/workspaces"
        listing = client.get("/workspaces")
        assert "You are not in a workspace yet" in listing.text
        created = client.post("/workspaces", data={
            "csrf_token": csrf_from(listing.text), "workspace_name": "Sam's Shop",
            "timezone": "America/New_York", "preset": "eighty_twenty"},
            follow_redirects=False)
        assert created.status_code == 303
        workspace = session.exec(select(Workspace).where(Workspace.name == "Sam's Shop")).one()
        assert created.headers["location"] == f"/w/{workspace.id}/channels"
        assert (workspace.timezone, workspace.rules_preset) == ("America/New_York",
                                                                "eighty_twenty")

    def test_a_taken_email_or_weak_password_is_refused_next_to_the_field(self, client,
                                                                        world, session):
        before = session.exec(select(func.count()).select_from(User)).one()
        page = client.get("/signup")
        for field, data in (("email", {"email": world.users["editor"], "password": PASSWORD}),
                            ("password", {"email": "new@new.test", "password": "password"})):
            response = client.post("/signup", data={"csrf_token": csrf_from(page.text),
                                                    "name": "X", **data})
            assert response.status_code in (409, 422)
            assert f'id="f-{field}-error"' in response.text
        assert session.exec(select(func.count()).select_from(User)).one() == before


class TestWorkspacesPage:
    def test_lists_mine_and_refuses_a_bad_zone(self, client, world, session):
        from tests.web.test_planner import sign_in

        sign_in(client, world, "editor")
        page = client.get("/workspaces")
        assert page.status_code == 200 and "Acme" in page.text
        before = session.exec(select(func.count()).select_from(Workspace)).one()
        response = client.post("/workspaces", data={
            "csrf_token": csrf_from(page.text), "workspace_name": "Second",
            "timezone": "Nowhere/City", "preset": "beth_dunn"})
        assert response.status_code == 422 and 'id="f-timezone-error"' in response.text
        response = client.post("/workspaces", data={
            "csrf_token": csrf_from(page.text), "workspace_name": "Second",
            "timezone": "UTC", "preset": "no_such_preset"})
        assert response.status_code == 422 and 'id="f-preset-error"' in response.text
        assert session.exec(select(func.count()).select_from(Workspace)).one() == before

    def test_signed_out_people_are_sent_to_sign_in(self, client, world):
        response = client.get("/workspaces", follow_redirects=False)
        assert response.status_code in (303, 401)


class TestTwoAtOnce:
    def test_two_first_runs_at_once_make_one_admin(self, fresh_engine):
        """Two people finishing setup at the same moment: one instance, one admin."""
        import threading

        from app.schemas import WorkspaceCreate
        from app.services import setup

        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def finish(n: int) -> None:
            with Session(fresh_engine) as session:
                barrier.wait()
                try:
                    setup.first_run(session=session, data=setup.FirstRun(
                        name=f"Person {n}", email=f"p{n}@acme.test", password=PASSWORD,
                        workspace=WorkspaceCreate(name=f"Team {n}")))
                    session.commit()
                    outcomes.append("made")
                except Exception as exc:  # the loser: told it's done, or the lock refused
                    session.rollback()
                    outcomes.append(type(exc).__name__)

        threads = [threading.Thread(target=finish, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert outcomes.count("made") == 1, outcomes
        assert count(fresh_engine, User) == 1
        assert count(fresh_engine, Workspace) == 1
