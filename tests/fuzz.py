"""Schemathesis against the real app, on SQLite and on PostgreSQL: every
operation of /openapi.json, with the checks that the API never answers 5xx and
answers only the statuses, content types and bodies its document declares.

    make fuzz                          # the seed CI uses
    make fuzz GIVEASK_FUZZ_SEED=random # explore; the seed is printed
    make fuzz GIVEASK_FUZZ_SEED=1234 GIVEASK_FUZZ_BACKENDS=sqlite   # replay one

Each backend gets a fresh, migrated database with a seeded workspace; the
server runs under uvicorn on 127.0.0.1 and schemathesis calls it with an admin
token of that workspace, so requests reach the routes' logic instead of
stopping at 401/404. PostgreSQL needs GIVEASK_TEST_DATABASE_URL (the server
where a throwaway database is made and dropped); without it the PostgreSQL run
is skipped, or fails when GIVEASK_REQUIRE_POSTGRES=1 (as in CI).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from tests.served import ROOT, Seeded, migrate, seed, serve

CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance")
DEFAULT_SEED = 20261202
DEFAULT_MAX_EXAMPLES = 25
# A hard bound per backend: a run that hangs fails instead of holding CI.
RUN_TIMEOUT_SECONDS = 300
SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def _seed() -> int:
    value = os.environ.get("GIVEASK_FUZZ_SEED", "").strip()
    if value == "random":
        return random.SystemRandom().randrange(1, 2**31)
    return int(value) if value else DEFAULT_SEED


@contextmanager
def sqlite_database(folder: Path) -> Iterator[str]:
    yield f"sqlite:///{folder / 'fuzz.db'}"


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A throwaway database on the given server, dropped afterwards."""
    from sqlalchemy.engine import make_url

    from app.db import make_engine

    base = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = make_engine(base.render_as_string(hide_password=False),
                        isolation_level="AUTOCOMMIT")
    name = f"giveask_fuzz_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def fuzz_config(world: Seeded) -> str:
    """Path ids of the seeded workspace: random ids would only ever meet 404, so
    the routes' own logic would go untried. Deletions get a spare set, so the
    other operations keep finding theirs."""
    ids = {"workspace_id": world.workspace_id, "channel_id": world.channel_id,
           "post_id": world.post_id, "story_id": world.story_id, "series_id": world.series_id}
    spare = {**ids, "channel_id": world.spare_channel_id, "post_id": world.spare_post_id,
             "story_id": world.spare_story_id, "series_id": world.spare_series_id}

    def table(values: dict[str, str]) -> str:
        return "{ " + ", ".join(f'{key} = "{value}"' for key, value in values.items()) + " }"

    return (f"parameters = {table(ids)}\n\n"
            f'[[operations]]\ninclude-method = "DELETE"\nparameters = {table(spare)}\n')


def fuzz(backend: str, database_url: str, folder: Path, *, seed_value: int,
         max_examples: int) -> bool:
    migrate(database_url)
    world = seed(database_url)
    config = folder / "schemathesis.toml"
    config.write_text(fuzz_config(world))
    with serve(database_url, folder) as served:
        command = [
            SCHEMATHESIS, "--config-file", str(config), "run", served.url + "/openapi.json",
            "--checks", ",".join(CHECKS),
            "--max-examples", str(max_examples),
            "--seed", str(seed_value),
            "--workers", "1",
            "--generation-database", "none",
            "--request-timeout", "20",
            "--header", f"Authorization: Bearer {world.admin_token}",
            "--report", "junit", "--report-junit-path",
            str(ROOT / "test-artifacts" / f"fuzz-{backend}.xml"),
            "--no-color",
        ]
        print(f"\n=== schemathesis on {backend} (seed {seed_value}, "
              f"{max_examples} examples per operation) ===", flush=True)
        try:
            result = subprocess.run(command, cwd=folder, timeout=RUN_TIMEOUT_SECONDS,
                                    check=False)
            passed = result.returncode == 0
        except subprocess.TimeoutExpired:
            print(f"schemathesis on {backend} ran past {RUN_TIMEOUT_SECONDS} s", flush=True)
            passed = False
        if not passed:
            log = served.log()
            print(f"--- the server's log on {backend} (last 8000 characters) ---\n"
                  + log[-8000:], flush=True)
    return passed


def main() -> int:
    seed_value = _seed()
    max_examples = int(os.environ.get("GIVEASK_FUZZ_MAX_EXAMPLES", DEFAULT_MAX_EXAMPLES))
    backends = os.environ.get("GIVEASK_FUZZ_BACKENDS", "sqlite,postgresql").split(",")
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    print(f"Fuzzing seed: {seed_value}. Replay with: "
          f"make fuzz GIVEASK_FUZZ_SEED={seed_value}", flush=True)
    failed: list[str] = []
    for backend in (b.strip() for b in backends if b.strip()):
        with tempfile.TemporaryDirectory(prefix=f"giveask-fuzz-{backend}-") as tmp:
            folder = Path(tmp)
            if backend == "sqlite":
                database = sqlite_database(folder)
            elif backend == "postgresql":
                server_url = os.environ.get("GIVEASK_TEST_DATABASE_URL", "").strip()
                if not server_url:
                    reason = ("fuzzing on PostgreSQL needs GIVEASK_TEST_DATABASE_URL "
                              "(e.g. postgresql://postgres@127.0.0.1:5432/test)")
                    if _truthy("GIVEASK_REQUIRE_POSTGRES"):
                        print(reason + " and GIVEASK_REQUIRE_POSTGRES=1 requires it")
                        failed.append(backend)
                    else:
                        print("Skipped: " + reason)
                    continue
                database = postgres_database(server_url)
            else:
                print(f"Unknown backend {backend!r} (sqlite or postgresql)")
                failed.append(backend)
                continue
            with database as url:
                if not fuzz(backend, url, folder, seed_value=seed_value,
                            max_examples=max_examples):
                    failed.append(backend)
    if failed:
        print(f"\nFuzzing failed on {', '.join(failed)}. Replay with: "
              f"make fuzz GIVEASK_FUZZ_SEED={seed_value} GIVEASK_FUZZ_BACKENDS={failed[0]}")
        return 1
    print(f"\nFuzzing passed (seed {seed_value}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
