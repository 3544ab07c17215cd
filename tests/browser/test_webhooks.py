"""In Chromium against `giveask serve`: an admin adds a webhook on its page, copies
the secret, and the worker that `serve` runs delivers a test event and a post's
approval to a real receiver on 127.0.0.1, signed so the Standard Webhooks
reference implementation verifies them; the pages pass axe."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select
from standardwebhooks import Webhook as ReferenceWebhook

from app.db import make_engine
from app.models import User, Workspace
from app.schemas import PostCreate
from app.services import lifecycle
from app.services import posts as post_service
from app.services.access import Access, Principal
from app.services.webhook_events import install
from tests.browser.conftest import Site, _need_browser, _seed, served
from tests.browser.test_accessibility import axe_violations
from tests.conftest import migrate
from tests.test_webhook_delivery import Receiver, receiver  # noqa: F401 (a fixture)


@pytest.fixture(scope="module")
def hook_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A site of its own whose worker may send to a receiver on 127.0.0.1."""
    _need_browser()
    folder = tmp_path_factory.mktemp("webhooks-site")
    database_url = f"sqlite:///{folder / 'hooks.db'}"
    migrate(database_url)
    workspace_id, channel_id, accounts = _seed(database_url)
    before = os.environ.get("GIVEASK_WEBHOOKS_ALLOW_PRIVATE")
    os.environ["GIVEASK_WEBHOOKS_ALLOW_PRIVATE"] = "true"
    try:
        with served(folder, database_url) as url:
            yield Site(url=url, database_url=database_url, workspace_id=workspace_id,
                       channel_id=channel_id, accounts=accounts)
    finally:
        if before is None:
            os.environ.pop("GIVEASK_WEBHOOKS_ALLOW_PRIVATE", None)
        else:
            os.environ["GIVEASK_WEBHOOKS_ALLOW_PRIVATE"] = before


@pytest.fixture()
def hook_page(browser) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    # axe is injected as a script, which the pages' CSP (rightly) refuses.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def wait_for(receiver: Receiver, count: int) -> None:  # noqa: F811
    deadline = time.monotonic() + 30
    while len(receiver.received) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(receiver.received) >= count, "the worker delivered"


def approve_a_post(site: Site) -> str:
    """An editor plans and submits a post and a lead approves it, as the API would."""
    install()
    engine = make_engine(site.database_url)
    try:
        with Session(engine) as session:
            workspace = session.get(Workspace, site.workspace_id)
            assert workspace is not None
            ids = {u.email: u.id for u in session.exec(select(User)).all()}

            def access(role: str) -> Access:
                assert workspace is not None
                return Access(workspace=workspace, role=role, principal=Principal(
                    user_id=ids[site.accounts[role][0]]))

            at = (datetime.now(UTC) + timedelta(days=30)).replace(hour=9, minute=0, second=0,
                                                                   microsecond=0)
            post, _ = post_service.create_post(
                session=session, access=access("editor"), idempotency_key=None,
                data=PostCreate.model_validate({
                    "channel_id": site.channel_id, "scheduled_at": at.isoformat(),
                    "kind": "give", "category": "share", "text": "Five brewing tips"}))
            session.commit()
            lifecycle.submit(session=session, access=access("editor"), post_id=post.id)
            session.commit()
            lifecycle.approve(session=session, access=access("lead"), post_id=post.id)
            session.commit()
            return post.id
    finally:
        engine.dispose()


def test_an_admin_subscribes_and_receives_signed_approvals(
        hook_page, hook_site, receiver, artifacts_dir):  # noqa: F811
    page = hook_page
    site = hook_site
    email, password = site.accounts["admin"]
    page.goto(site.url + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/w/{site.workspace_id}/calendar**")
    page.goto(f"{site.url}/w/{site.workspace_id}/webhooks")
    assert axe_violations(page) == []
    page.fill("#w-url", receiver.url)
    page.fill("#w-description", "Approvals to our chat")
    page.check("input[value='post.approved']")
    page.check("input[value='week.approved']")
    page.click("text=Add webhook")
    secret = page.input_value("#webhook-secret")
    assert secret.startswith("whsec_")
    assert page.is_visible("button[data-copy='webhook-secret']")
    page.screenshot(path=str(artifacts_dir / "webhooks-created.png"), full_page=True)

    page.click("text=Log")
    assert axe_violations(page) == []
    page.click("text=Send a test event")
    wait_for(receiver, 1)
    post_id = approve_a_post(site)
    wait_for(receiver, 2)
    verifier = ReferenceWebhook(secret)
    payloads = [verifier.verify(r.body, r.headers) for r in receiver.received]
    assert [p["type"] for p in payloads] == ["webhook.ping", "post.approved"]
    assert payloads[1]["data"]["post"]["id"] == post_id
    assert payloads[1]["data"]["post"]["status"] == "approved"
    page.reload()
    assert page.locator("text=Delivered").count() == 2
    page.screenshot(path=str(artifacts_dir / "webhooks-log.png"), full_page=True)
