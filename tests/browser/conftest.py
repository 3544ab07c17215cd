"""Browser tests: Debian's Chromium driven by Playwright against the real app,
served by uvicorn on 127.0.0.1 with a temporary SQLite database.

They skip with a reason when Chromium or Playwright is missing, and fail
instead when GIVEASK_REQUIRE_BROWSER=1 (as CI sets it).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from app.db import make_engine
from tests.conftest import migrate, required

CHROMIUM = os.environ.get("GIVEASK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]


def _need_browser() -> None:
    reason = ""
    if not Path(CHROMIUM).exists():
        reason = f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "browser tests need the playwright package"
    if reason:
        if required("GIVEASK_REQUIRE_BROWSER"):
            pytest.fail(reason + " and GIVEASK_REQUIRE_BROWSER=1 requires them")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Site:
    url: str
    database_url: str
    workspace_id: str
    channel_id: str
    accounts: dict[str, tuple[str, str]]


def _seed(database_url: str) -> tuple[str, str, dict[str, tuple[str, str]]]:
    from app.models import Channel
    from app.schemas import WorkspaceCreate
    from app.services import users
    from app.services.workspaces import create_workspace

    engine = make_engine(database_url)
    accounts: dict[str, tuple[str, str]] = {}
    with Session(engine, expire_on_commit=False) as session:
        workspace = create_workspace(session=session, data=WorkspaceCreate(
            name="Browser Café", timezone="Europe/Berlin"), admin_user_id=None)
        channel = Channel(workspace_id=workspace.id, name="Mastodon – Café", platform="mastodon",
                          started_on=date(2025, 1, 1))
        session.add(channel)
        for role in ("viewer", "editor", "lead", "admin"):
            email, password = f"{role}@browser.test", f"{role}-password-1"
            user = users.create_user(session=session, email=email, password=password,
                                     name=f"{role.capitalize()} Person")
            users.set_membership(session=session, workspace_id=workspace.id, user_id=user.id,
                                 role=role)
            accounts[role] = (email, password)
        session.commit()
        ids = (workspace.id, channel.id)
    engine.dispose()
    return ids[0], ids[1], accounts


@contextmanager
def served(folder: Path, database_url: str, *args: str) -> Iterator[str]:
    """`giveask serve` on a free port of 127.0.0.1 for this database, until the
    block ends: its address."""
    port = _free_port()
    env = {**os.environ, "GIVEASK_DATABASE_URL": database_url,
           "GIVEASK_SECRET_KEY": "browser-tests-secret-0123456789abcdef", "GIVEASK_ENV": "test"}
    env.pop("GIVEASK_SMTP_URL", None)
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), *args],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the app did not start: "
                                       + (folder / "server.log").read_text()) from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    _need_browser()
    folder = tmp_path_factory.mktemp("site")
    database_url = f"sqlite:///{folder / 'browser.db'}"
    migrate(database_url)
    workspace_id, channel_id, accounts = _seed(database_url)
    with served(folder, database_url) as url:
        yield Site(url=url, database_url=database_url, workspace_id=workspace_id,
                   channel_id=channel_id, accounts=accounts)


@pytest.fixture(scope="session")
def browser(site: Site):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser, site):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, site: Site, role: str) -> None:  # type: ignore[no-untyped-def]
    email, password = site.accounts[role]
    page.goto(site.url + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/w/{site.workspace_id}/calendar**")
