"""Setting a team up from the command line: `giveask workspace create`,
`giveask channel create` and `giveask user set-password`, run as a real process
on a real, migrated database (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from app.db import make_engine, utcnow
from app.models import Channel, Membership, User, UserSession, Workspace
from app.schemas import WorkspaceCreate
from app.services import sessions, users
from app.services.sessions import SessionPolicy
from app.services.workspaces import create_workspace
from tests.conftest import migrate

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "quiet rivers hum softly"
NEW_PASSWORD = "copper kettles sing at dawn"
POLICY = SessionPolicy(idle=timedelta(hours=12), absolute=timedelta(days=30))


@dataclass
class Db:
    url: str
    engine: Engine
    home: Path

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "GIVEASK_DATABASE_URL": self.url, "GIVEASK_ENV": "development",
               "PYTHONPATH": str(ROOT)}
        env.pop("GIVEASK_SECRET_KEY", None)
        return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=self.home,
                              env=env, capture_output=True, text=True, input=stdin,
                              timeout=120, check=False)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def count(self, model: type) -> int:
        with self.session() as s:
            return int(s.exec(select(func.count()).select_from(model)).one())

    def user(self, email: str | None = None) -> User:
        email = email or f"{uuid.uuid4().hex[:8]}@acme.test"
        with self.session() as s:
            user = users.create_user(session=s, email=email, password=PASSWORD)
            s.commit()
        return user

    def workspace(self, name: str | None = None) -> Workspace:
        with self.session() as s:
            workspace = create_workspace(
                session=s, data=WorkspaceCreate(name=name or unique("Team"),
                                                timezone="Europe/Berlin"),
                admin_user_id=None)
            s.commit()
        return workspace


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def last_line(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout.rstrip("\n").splitlines()[-1]


@pytest.fixture(scope="module")
def db(backend: str, tmp_path_factory: pytest.TempPathFactory,
       request: pytest.FixtureRequest) -> Iterator[Db]:
    """One migrated database per backend for this file; every test names its
    own rows, so they never meet."""
    home = tmp_path_factory.mktemp("cli_setup")
    if backend == "sqlite":
        url = f"sqlite:///{home / 'setup.db'}"
    else:
        url = request.getfixturevalue("postgres_databases").create("cli")
    migrate(url)
    engine = make_engine(url)
    yield Db(url=url, engine=engine, home=home)
    engine.dispose()


class TestWorkspaceCreate:
    def test_creates_the_workspace_and_prints_its_id_last(self, db):
        name = unique("Acme")
        result = db.run("workspace", "create", "--name", name, "--timezone", "Europe/Berlin",
                        "--preset", "four_one_one")
        assert result.returncode == 0, result.stderr
        workspace_id = last_line(result)
        assert " " not in workspace_id
        with db.session() as s:
            workspace = s.get(Workspace, workspace_id)
            assert workspace is not None
            assert (workspace.name, workspace.timezone, workspace.rules_preset) == (
                name, "Europe/Berlin", "four_one_one")
            assert s.exec(select(Membership).where(
                Membership.workspace_id == workspace_id)).all() == []

    def test_preset_defaults_to_beth_dunn(self, db):
        result = db.run("workspace", "create", "--name", unique("Acme"),
                        "--timezone", "America/New_York")
        assert result.returncode == 0, result.stderr
        with db.session() as s:
            workspace = s.get(Workspace, last_line(result))
            assert workspace is not None
            assert workspace.rules_preset == "beth_dunn"
            assert workspace.timezone == "America/New_York"

    def test_admin_becomes_the_workspaces_admin(self, db):
        user = db.user()
        result = db.run("workspace", "create", "--name", unique("Acme"), "--timezone", "UTC",
                        "--admin", user.email.upper())
        assert result.returncode == 0, result.stderr
        assert user.email in result.stdout
        with db.session() as s:
            rows = s.exec(select(Membership).where(
                Membership.workspace_id == last_line(result))).all()
            assert [(m.user_id, m.role) for m in rows] == [(user.id, "admin")]

    @pytest.mark.parametrize(("args", "option", "reason"), [
        (("--timezone", "Mars/Olympus"), "--timezone", "unknown time zone 'Mars/Olympus'"),
        (("--timezone", "UTC", "--preset", "ninety_ten"), "--preset", "unknown preset"),
        (("--timezone", "UTC", "--admin", "nobody@acme.test"), "--admin", "nobody@acme.test"),
    ])
    def test_bad_option_fails_on_one_line_and_creates_nothing(self, db, args, option, reason):
        before = (db.count(Workspace), db.count(Membership))
        result = db.run("workspace", "create", "--name", unique("Acme"), *args)
        assert result.returncode == 2, result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(f"error: option {option}: ")
        assert reason in lines[0]
        assert "Traceback" not in result.stderr
        assert result.stdout == ""
        assert (db.count(Workspace), db.count(Membership)) == before

    def test_blank_name_is_refused(self, db):
        before = db.count(Workspace)
        result = db.run("workspace", "create", "--name", "   ", "--timezone", "UTC")
        assert result.returncode == 2
        assert "option --name: must not be empty" in result.stderr
        assert db.count(Workspace) == before


class TestChannelCreate:
    def test_creates_the_channel_by_workspace_name(self, db):
        workspace = db.workspace()
        result = db.run("channel", "create", "--workspace", workspace.name,
                        "--name", "LinkedIn – Acme", "--platform", "LinkedIn",
                        "--started-on", "2026-11-02")
        assert result.returncode == 0, result.stderr
        with db.session() as s:
            channel = s.get(Channel, last_line(result))
            assert channel is not None
            assert (channel.workspace_id, channel.name, channel.platform, channel.started_on) \
                == (workspace.id, "LinkedIn – Acme", "linkedin", date(2026, 11, 2))

    def test_creates_the_channel_by_workspace_id_without_a_start(self, db):
        workspace = db.workspace()
        result = db.run("channel", "create", "--workspace", workspace.id,
                        "--name", "Letters", "--platform", "newsletter")
        assert result.returncode == 0, result.stderr
        with db.session() as s:
            channel = s.get(Channel, last_line(result))
            assert channel is not None
            assert (channel.workspace_id, channel.platform, channel.started_on) == (
                workspace.id, "newsletter", None)

    @pytest.mark.parametrize(("args", "reason"), [
        (("--platform", "myspace"), "option --platform: unknown platform 'myspace'"),
        (("--platform", ""), "option --platform"),
        (("--platform", "x", "--started-on", "next monday"), "option --started-on"),
        (("--platform", "x", "--started-on", "2026-13-01"), "option --started-on"),
    ])
    def test_bad_option_fails_and_creates_nothing(self, db, args, reason):
        workspace = db.workspace()
        before = db.count(Channel)
        result = db.run("channel", "create", "--workspace", workspace.id, "--name", "Feed",
                        *args)
        assert result.returncode == 2, result.stdout
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert reason in result.stderr
        assert db.count(Channel) == before

    def test_unknown_workspace_fails_clearly(self, db):
        before = db.count(Channel)
        result = db.run("channel", "create", "--workspace", "No Such Team", "--name", "Feed",
                        "--platform", "x")
        assert result.returncode == 2
        assert "No workspace with id or name 'No Such Team'" in result.stderr
        assert db.count(Channel) == before

    def test_duplicate_name_is_the_services_refusal(self, db):
        workspace = db.workspace()
        first = db.run("channel", "create", "--workspace", workspace.id, "--name", "Feed",
                       "--platform", "x")
        assert first.returncode == 0, first.stderr
        again = db.run("channel", "create", "--workspace", workspace.id, "--name", "Feed",
                       "--platform", "mastodon")
        assert again.returncode == 2
        assert again.stderr.strip() == (
            "error: There is already a channel named 'Feed' in this workspace.")
        with db.session() as s:
            rows = s.exec(select(Channel).where(Channel.workspace_id == workspace.id)).all()
            assert [(c.name, c.platform) for c in rows] == [("Feed", "x")]

    def test_same_name_in_another_workspace_is_fine(self, db):
        one, two = db.workspace(), db.workspace()
        for workspace in (one, two):
            result = db.run("channel", "create", "--workspace", workspace.id, "--name", "Feed",
                            "--platform", "bluesky")
            assert result.returncode == 0, result.stderr


class TestSetPassword:
    def signed_in(self, db: Db, user: User) -> str:
        with db.session() as s:
            sessions.start_session(session=s, user=user, now=utcnow(), policy=POLICY)
            s.commit()
        return user.email

    def authenticates(self, db: Db, email: str, password: str) -> bool:
        with db.session() as s:
            return users.authenticate(session=s, email=email, password=password) is not None

    def live(self, db: Db, user: User) -> int:
        with db.session() as s:
            return sessions.live_sessions(session=s, user_id=user.id, now=utcnow(),
                                          policy=POLICY)

    def test_password_from_stdin_signs_in_and_ends_sessions(self, db):
        user = db.user()
        self.signed_in(db, user)
        self.signed_in(db, user)
        assert self.live(db, user) == 2
        result = db.run("user", "set-password", "--email", user.email, "--password-stdin",
                        stdin=NEW_PASSWORD + "\n")
        assert result.returncode == 0, result.stderr
        assert "2 signed-in sessions ended" in result.stdout
        assert self.authenticates(db, user.email, NEW_PASSWORD)
        assert not self.authenticates(db, user.email, PASSWORD)
        assert self.live(db, user) == 0

    def test_prompt_asks_twice(self, db):
        user = db.user()
        result = db.run("user", "set-password", "--email", user.email,
                        stdin=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
        assert result.returncode == 0, result.stderr
        assert NEW_PASSWORD not in result.stdout
        assert self.authenticates(db, user.email, NEW_PASSWORD)

    def test_prompt_that_does_not_match_changes_nothing(self, db):
        user = db.user()
        result = db.run("user", "set-password", "--email", user.email,
                        stdin=f"{NEW_PASSWORD}\nsomething else entirely\n")
        assert result.returncode != 0
        assert self.authenticates(db, user.email, PASSWORD)
        assert not self.authenticates(db, user.email, NEW_PASSWORD)

    @pytest.mark.parametrize(("password", "reason"), [
        ("short one", "at least 12 characters"),
        ("password1234", "most common passwords"),
        ("", "only spaces"),
    ])
    def test_weak_password_is_refused_and_changes_nothing(self, db, password, reason):
        user = db.user()
        self.signed_in(db, user)
        result = db.run("user", "set-password", "--email", user.email, "--password-stdin",
                        stdin=password + "\n")
        assert result.returncode == 2, result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: the new password ")
        assert reason in lines[0]
        assert self.authenticates(db, user.email, PASSWORD)
        assert self.live(db, user) == 1

    def test_unknown_email_fails_clearly(self, db):
        before = db.count(UserSession)
        result = db.run("user", "set-password", "--email", "ghost@acme.test",
                        "--password-stdin", stdin=NEW_PASSWORD + "\n")
        assert result.returncode == 2
        assert "no account with the email 'ghost@acme.test'" in result.stderr
        assert "--email" in result.stderr
        assert db.count(UserSession) == before
