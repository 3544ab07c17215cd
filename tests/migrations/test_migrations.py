"""Migrations: an empty database upgraded to head matches the models exactly,
and downgrades back to nothing, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.cli import alembic_config
from app.db import make_engine, metadata
from tests.conftest import PostgresDatabases


@pytest.fixture()
def empty_url(backend, tmp_path, request) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    return databases.create("migrations")


def drift(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


class TestMigrations:
    def test_head_matches_the_models(self, empty_url):
        command.upgrade(alembic_config(empty_url), "head")
        assert drift(empty_url) == []
        assert {"workspace", "post", "channel", "api_token"} <= tables(empty_url)

    def test_downgrade_to_base_and_up_again(self, empty_url):
        config = alembic_config(empty_url)
        command.upgrade(config, "head")
        command.downgrade(config, "base")
        assert tables(empty_url) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert drift(empty_url) == []
