"""Shared fixtures: real databases (SQLite and, when configured, PostgreSQL),
migrated once per run, one rolled-back transaction per test, and the real app.

Every database-backed test runs on each backend: the `engine` fixture is
parametrised, and the PostgreSQL run skips with a reason unless
GIVEASK_TEST_DATABASE_URL is set (GIVEASK_REQUIRE_POSTGRES=1 turns the skip
into a failure, as CI does).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.cli import alembic_config
from app.config import Settings
from app.db import get_session, make_engine, reads_only, set_engine

PG_URL_VAR = "GIVEASK_TEST_DATABASE_URL"
TEST_SECRET = "test-secret-key-not-for-production-0123456789"


def required(var: str) -> bool:
    return os.environ.get(var, "").strip().lower() in {"1", "true", "yes"}


def need_postgres() -> str:
    url = os.environ.get(PG_URL_VAR, "").strip()
    if not url:
        reason = f"PostgreSQL tests need {PG_URL_VAR} (e.g. postgresql://postgres@127.0.0.1:5432/test)"
        if required("GIVEASK_REQUIRE_POSTGRES"):
            pytest.fail(reason + " and GIVEASK_REQUIRE_POSTGRES=1 requires them")
        pytest.skip(reason)
    return url


def _psycopg_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


class PostgresDatabases:
    """Fresh databases on the configured server, dropped afterwards, so runs
    never see each other's rows and the suite can run twice in a row."""

    def __init__(self, base_url: str) -> None:
        self.base = make_url(_psycopg_url(base_url))
        self.admin = make_engine(self.base.render_as_string(hide_password=False),
                                 isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def create(self, label: str) -> str:
        name = f"giveask_{label}_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.base.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as connection:
            for name in self.created:
                connection.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases(need_postgres())
    try:
        yield databases
    finally:
        databases.drop_all()


def migrate(url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory,
                 request: pytest.FixtureRequest) -> str:
    """A migrated, empty database for this run on the given backend."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("db") / "giveask.db"
        url = f"sqlite:///{path}"
    else:
        databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
        url = databases.create("suite")
    migrate(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture()
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test;
    the app's commits only release savepoints inside it."""
    connection = engine.connect()
    outer = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint",
                 expire_on_commit=False)
    try:
        yield db
    finally:
        db.close()
        outer.rollback()
        connection.close()


@pytest.fixture()
def settings() -> Settings:
    return Settings(env="test", secret_key=TEST_SECRET)


@pytest.fixture()
def app(session: Session, engine: Engine, settings: Settings):  # type: ignore[no-untyped-def]
    from app.main import create_app

    application = create_app(settings)

    def override(request: Request) -> Iterator[Session]:
        # As get_session does: read requests may keep answers for the next ones.
        session.info["read_request"] = reads_only(request)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    application.dependency_overrides[get_session] = override
    set_engine(engine)
    yield application
    set_engine(None)


@pytest.fixture()
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class World:
    """A workspace with one member per role, a token per role and a channel."""

    workspace_id: str
    channel_id: str
    tokens: dict[str, str]
    users: dict[str, str] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def path(self, rest: str = "") -> str:
        return f"/api/v1/workspaces/{self.workspace_id}{rest}"


_HASHES: dict[str, str] = {}


def _password_hash(password: str) -> str:
    # argon2 is slow on purpose; hash each test password once per run.
    if password not in _HASHES:
        from app.security import hash_password

        _HASHES[password] = hash_password(password)
    return _HASHES[password]


def build_world(session: Session, name: str = "Acme", timezone: str = "Europe/Berlin") -> World:
    from app.models import Channel, User
    from app.schemas import WorkspaceCreate
    from app.services import users
    from app.services.tokens import create_token
    from app.services.workspaces import create_workspace

    suffix = uuid.uuid4().hex[:8]
    workspace = create_workspace(
        session=session, data=WorkspaceCreate(name=name, timezone=timezone), admin_user_id=None
    )
    channel = Channel(workspace_id=workspace.id, name="LinkedIn – Acme", platform="linkedin")
    session.add(channel)
    world = World(workspace_id=workspace.id, channel_id="", tokens={})
    for role in ("viewer", "editor", "lead", "admin"):
        password = f"{role}-password-123"
        user = User(email=f"{role}-{suffix}@acme.test", name=role.capitalize(),
                    password_hash=_password_hash(password))
        session.add(user)
        session.flush()
        users.set_membership(session=session, workspace_id=workspace.id, user_id=user.id,
                             role=role)
        _, secret = create_token(session=session, workspace=workspace, role=role,
                                 name=f"{role} token", created_by_id=user.id)
        world.tokens[role] = secret
        world.users[role] = user.email
        world.passwords[role] = password
    session.flush()
    world.channel_id = channel.id
    session.commit()
    return world


@pytest.fixture()
def world(session: Session) -> World:
    return build_world(session)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


# ---- a fresh database per test ------------------------------------------------------
# For what must see an empty instance (first run) or rows committed by another
# connection (the mail outbox and its workers): a fresh, migrated, empty
# database, and the real app on it with its own committing sessions.


@pytest.fixture()
def fresh_engine(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Engine]:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        url = request.getfixturevalue("postgres_databases").create("fresh")
    migrate(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture()
def fresh_client(fresh_engine: Engine, settings: Settings) -> Iterator[TestClient]:
    from app.main import create_app

    application = create_app(settings)
    set_engine(fresh_engine)
    try:
        with TestClient(application, raise_server_exceptions=False) as client:
            yield client
    finally:
        set_engine(None)
