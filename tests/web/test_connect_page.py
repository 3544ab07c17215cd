"""The Connect page: each way in and out, shown to those who may use it, with how
it stands (the last import, live feeds and share links, failing webhooks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from app.models import CalendarFeed, ImportRun, ShareLink, User, Webhook, WebhookDelivery
from tests.web.test_planner import sign_in


def test_each_role_sees_the_ways_it_may_use(client, world):
    path = f"/w/{world.workspace_id}/connect"
    sign_in(client, world, "viewer")
    page = client.get(path)
    assert page.status_code == 200
    for way in ("/import", "/export", "/feeds"):
        assert f'href="/w/{world.workspace_id}{way}"' in page.text
    assert "/shares" not in page.text and "/webhooks" not in page.text
    assert 'aria-current="page">Connect' in page.text

    sign_in(client, world, "lead")
    page = client.get(path)
    assert "/shares" in page.text and "/webhooks" not in page.text

    sign_in(client, world, "admin")
    page = client.get(path)
    assert "/shares" in page.text and "/webhooks" in page.text


def test_it_says_how_each_way_stands(client, world, session):
    now = datetime.now(UTC)
    admin = session.exec(select(User).where(User.email == world.users["admin"])).one().id
    session.add(ImportRun(workspace_id=world.workspace_id, format="publer",
                          filename="publer-december.csv", digest="0" * 64, rows=12, created=11,
                          skipped=1, by_id=admin))
    session.add(CalendarFeed(workspace_id=world.workspace_id, prefix="f1", token_hash="a" * 64,
                             created_by_id=admin))
    session.add(CalendarFeed(workspace_id=world.workspace_id, prefix="f2", token_hash="b" * 64,
                             created_by_id=admin, revoked_at=now))
    for hash_, expires in (("c", now + timedelta(days=3)), ("d", now - timedelta(days=1))):
        session.add(ShareLink(workspace_id=world.workspace_id, starts_on=now.date(),
                              ends_on=now.date(), prefix="s", token_hash=hash_ * 64,
                              expires_at=expires))
    hook = Webhook(workspace_id=world.workspace_id, url="https://example.org/hook",
                   events=["post.approved"], secret="whsec_x")
    session.add(hook)
    session.flush()
    session.add(WebhookDelivery(workspace_id=world.workspace_id, webhook_id=hook.id,
                                message_id="msg_1", event="post.approved", status="failed"))
    session.commit()

    sign_in(client, world, "admin")
    text = client.get(f"/w/{world.workspace_id}/connect").text
    assert "11 new posts from publer-december.csv (1 already there)" in text
    assert "1 feed<" in text  # the revoked one no longer counts
    assert "1 live link" in text  # the expired one no longer counts
    assert "1 webhook" in text and "1 failed delivery" in text

    sign_in(client, world, "editor")
    text = client.get(f"/w/{world.workspace_id}/connect").text
    assert "No feed yet" in text  # the admin's feed is not the editor's
    assert "failed deliver" not in text


def test_another_workspace_is_not_found(client, world):
    sign_in(client, world, "admin")
    assert client.get("/w/not-a-workspace/connect").status_code == 404
