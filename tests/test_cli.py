"""The `giveask` command as a user runs it: a real process on a real SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def giveask(
    tmp_path: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIVEASK_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
           "GIVEASK_ENV": "development"}
    env.pop("GIVEASK_SECRET_KEY", None)
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, input=stdin, timeout=120,
                          check=False)


@pytest.fixture()
def cli_home(tmp_path: Path) -> Path:
    # Run from a scratch directory, as a user would, with the project importable.
    (tmp_path / "sitecustomize.py").write_text("")
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    return tmp_path


class TestDemoAndTokens:
    def test_demo_twice_does_not_duplicate(self, cli_home):
        first = giveask(cli_home, "demo")
        assert first.returncode == 0, first.stderr
        assert "Loaded the demo workspace 'Demo Café'" in first.stdout
        assert "editor@demo.giveask.test" in first.stdout
        second = giveask(cli_home, "demo")
        assert second.returncode == 0, second.stderr
        assert "Found the demo workspace" in second.stdout
        posts = next(line for line in first.stdout.splitlines() if "posts" in line)
        again = next(line for line in second.stdout.splitlines() if "posts" in line)
        count = posts.split("(")[1].split(" posts")[0]
        assert again.split("(")[1].split(" posts")[0] == count

    def test_token_is_alone_on_the_last_line(self, cli_home):
        assert giveask(cli_home, "demo").returncode == 0
        result = giveask(cli_home, "token", "create", "--workspace", "Demo Café",
                         "--role", "editor", "--name", "bot")
        assert result.returncode == 0, result.stderr
        last = result.stdout.rstrip("\n").splitlines()[-1]
        assert last.startswith("gka_") and " " not in last

    def test_token_for_unknown_workspace_fails_clearly(self, cli_home):
        result = giveask(cli_home, "token", "create", "--workspace", "Nope", "--role", "editor")
        assert result.returncode == 2
        assert "No workspace" in result.stderr

    def test_token_with_unknown_role_fails_clearly(self, cli_home):
        result = giveask(cli_home, "token", "create", "--workspace", "x", "--role", "boss")
        assert result.returncode == 2
        assert "--role" in result.stderr

    def test_user_create_with_short_password_is_refused(self, cli_home):
        result = giveask(cli_home, "user", "create", "--email", "a@b.test", "--password", "short")
        assert result.returncode == 2
        assert "password" in result.stderr

    def test_user_create_refuses_blank_and_common_passwords(self, cli_home):
        for password, reason in ((" " * 16, "only spaces"),
                                 ("qwertyuiop123", "most common passwords")):
            result = giveask(cli_home, "user", "create", "--email", "a@b.test",
                             "--password", password)
            assert result.returncode == 2, result.stdout
            assert reason in result.stderr
        created = giveask(cli_home, "user", "create", "--email", "a@b.test",
                          "--password", "quiet rivers hum softly")
        assert created.returncode == 0, created.stderr

    def test_production_without_secret_refuses_to_serve(self, cli_home):
        env = {**os.environ, "GIVEASK_ENV": "production",
               "GIVEASK_DATABASE_URL": f"sqlite:///{cli_home / 'p.db'}"}
        env.pop("GIVEASK_SECRET_KEY", None)
        result = subprocess.run([sys.executable, "-m", "app.cli", "serve"], cwd=cli_home,
                                env=env, capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode != 0
        assert "GIVEASK_SECRET_KEY" in result.stderr
