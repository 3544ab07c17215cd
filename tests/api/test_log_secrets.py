"""No password, password hash, token or token hash in any log line, even at DEBUG
for every logger and when a request fails inside the database."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from app.db import SessionDep, utcnow
from app.models import ApiToken, User
from tests.conftest import World


@pytest.fixture()
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    # Every logger at DEBUG, SQLAlchemy's too (it sets its own to WARNING), and
    # before the database connection is opened, so the engine logs its statements.
    caplog.set_level(logging.DEBUG)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and logger.level != logging.NOTSET:
            caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def secrets_of(session: Session, world: World) -> dict[str, str]:
    found: dict[str, str] = {}
    for role, token in world.tokens.items():
        found[f"{role} token"] = token
        found[f"{role} password"] = world.passwords[role]
    for user in session.exec(select(User).where(User.email.in_(world.users.values()))):  # type: ignore[attr-defined]
        found[f"{user.email} password hash"] = user.password_hash
    for row in session.exec(select(ApiToken).where(ApiToken.workspace_id == world.workspace_id)):
        found[f"{row.name} hash"] = row.token_hash
    return found


def add_failing_routes(app, session: Session, world: World) -> None:  # type: ignore[no-untyped-def]
    token = session.exec(select(ApiToken).where(ApiToken.workspace_id == world.workspace_id)
                         ).first()
    user = session.exec(select(User).where(User.email == world.users["admin"])).one()
    assert token is not None

    def duplicate_token(session: SessionDep) -> None:
        # A unique violation: PostgreSQL's message quotes the duplicate value.
        session.add(ApiToken(workspace_id=world.workspace_id, role="viewer",
                             name=world.tokens["admin"], prefix="x",
                             token_hash=token.token_hash))
        session.flush()

    def bad_statement(session: SessionDep) -> None:
        session.execute(text("SELECT no_such_column FROM user_account "
                             "WHERE password_hash = :hash AND email = :secret"),
                        {"hash": user.password_hash, "secret": world.passwords["admin"]})

    def not_null(session: SessionDep) -> None:
        # PostgreSQL's DETAIL line shows the whole failing row.
        session.execute(text("INSERT INTO user_account (id, email, name, password_hash, "
                             "created_at) VALUES (:id, NULL, :name, :hash, :at)"),
                        {"id": str(uuid.uuid4()), "name": world.tokens["lead"],
                         "hash": user.password_hash, "at": utcnow().replace(tzinfo=None)})

    app.add_api_route("/api/v1/test/duplicate-token", duplicate_token, methods=["POST"])
    app.add_api_route("/api/v1/test/bad-statement", bad_statement, methods=["GET"])
    app.add_api_route("/api/v1/test/not-null", not_null, methods=["POST"])


def test_failing_requests_log_no_secret(debug_logs, app, client, world, session):
    from tests.web.test_login import csrf_from
    from tests.web.test_planner import sign_in

    add_failing_routes(app, session, world)
    secrets = secrets_of(session, world)

    csrf = csrf_from(client.get("/login").text)
    wrong = client.post("/login", data={"email": world.users["lead"],
                                        "password": world.passwords["admin"], "csrf_token": csrf})
    assert 400 <= wrong.status_code < 500
    sign_in(client, world, "editor")  # a password in a form
    assert client.get(world.path("/posts"), headers=world.auth("viewer")).status_code == 200
    assert client.post(world.path("/channels"), headers=world.auth("admin"),
                       json={"name": "Logged"}).status_code == 201
    answers = [client.post("/api/v1/test/duplicate-token"),
               client.get("/api/v1/test/bad-statement"),
               client.post("/api/v1/test/not-null")]

    assert [a.status_code for a in answers] == [500, 500, 500]
    for answer in answers:
        assert answer.headers["content-type"].startswith("application/problem+json")
        for secret in secrets.values():
            assert secret not in answer.text
    captured = debug_logs.text + "\n".join(
        f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in debug_logs.records)
    # The logs did see the failures and the statements...
    assert "unhandled error on POST /api/v1/test/duplicate-token" in captured
    assert "unhandled error on GET /api/v1/test/bad-statement" in captured
    assert "no_such_column" in captured
    assert "SQL parameters hidden" in captured
    # ...and none of the secrets.
    leaked = [name for name, secret in secrets.items() if secret in captured]
    assert leaked == []
