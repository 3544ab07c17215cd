"""The webhooks page: an admin adds a webhook with events ticked and sees its
secret once with how to verify; bad input is named next to its field; the
delivery log shows each event with Resend; disable, enable, delete; only
admins see it."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.config import Settings
from app.models import Webhook, WebhookDelivery
from tests.conftest import TEST_SECRET
from tests.web.test_planner import sign_in

RECEIVER = "http://127.0.0.1:9/hooks"  # never called: no worker runs here


@pytest.fixture()
def settings() -> Settings:
    return Settings(env="test", secret_key=TEST_SECRET, webhooks_allow_private=True)


def secret_in(page: str) -> str:
    found = re.search(r'id="webhook-secret" readonly value="([^"]+)"', page)
    assert found, "the new webhook's secret is on the page"
    return html.unescape(found.group(1))


def add(client, world, csrf, **fields):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf, "url": RECEIVER, "events": ["post.approved", "week.approved"],
            "description": "Team chat", **fields}
    return client.post(f"/w/{world.workspace_id}/webhooks", data=data)


class TestWebhooksPage:
    def test_an_admin_adds_one_and_sees_the_secret_once(self, client, world, session):
        csrf = sign_in(client, world, "admin")
        page = client.get(f"/w/{world.workspace_id}/webhooks")
        assert page.status_code == 200
        assert "No webhook yet." in page.text and 'value="finding.added"' in page.text
        made = add(client, world, csrf)
        assert made.status_code == 200
        secret = secret_in(made.text)
        assert secret.startswith("whsec_")
        assert "from standardwebhooks import Webhook" in made.text
        [hook] = session.exec(select(Webhook)).all()
        assert hook.events == ["post.approved", "week.approved"] and hook.secret == secret
        again = client.get(f"/w/{world.workspace_id}/webhooks").text
        assert secret not in again and "Team chat" in again and RECEIVER in again

    @pytest.mark.parametrize("fields, field_id", [
        ({"url": "ftp://files.example/x"}, "w-url-error"),
        ({"events": []}, "w-events-error"),
        ({"events": ["post.liked"]}, "w-events-error"),
        ({"description": "x" * 121}, "w-description-error"),
    ])
    def test_bad_input_is_named_next_to_its_field(self, client, world, session, fields,
                                                  field_id):
        csrf = sign_in(client, world, "admin")
        response = add(client, world, csrf, **fields)
        assert response.status_code == 422
        assert f'id="{field_id}"' in response.text
        assert 'id="webhook-secret"' not in response.text
        assert session.exec(select(Webhook)).all() == []

    def test_the_log_shows_events_and_resends(self, client, world, session):
        csrf = sign_in(client, world, "admin")
        add(client, world, csrf, events=["post.created"])
        [hook] = session.exec(select(Webhook)).all()
        at = (datetime.now(UTC) + timedelta(days=9)).replace(microsecond=0)
        client.post(world.path("/posts"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "scheduled_at": at.isoformat(), "kind": "give",
            "category": "share", "text": "Tips"})
        log_path = f"/w/{world.workspace_id}/webhooks/{hook.id}"
        log = client.get(log_path)
        assert log.status_code == 200
        assert "post.created" in log.text and "Waiting" in log.text
        [row] = session.exec(select(WebhookDelivery)).all()
        assert row.message_id in log.text
        resent = client.post(f"{log_path}/deliveries/{row.id}/resend",
                             data={"csrf_token": csrf}, follow_redirects=False)
        assert resent.status_code == 303
        session.expire_all()
        rows = session.exec(select(WebhookDelivery)).all()
        assert len(rows) == 2 and {r.message_id for r in rows} == {row.message_id}
        tested = client.post(f"{log_path}/test", data={"csrf_token": csrf},
                             follow_redirects=False)
        assert tested.status_code == 303
        assert "webhook.ping" in client.get(log_path).text

    def test_disable_enable_and_delete(self, client, world, session):
        csrf = sign_in(client, world, "admin")
        add(client, world, csrf)
        [hook] = session.exec(select(Webhook)).all()
        base = f"/w/{world.workspace_id}/webhooks/{hook.id}"
        client.post(f"{base}/disable", data={"csrf_token": csrf})
        assert "Disabled" in client.get(base).text
        client.post(f"{base}/enable", data={"csrf_token": csrf})
        assert ">On<" in client.get(base).text
        done = client.post(f"{base}/delete", data={"csrf_token": csrf}, follow_redirects=False)
        assert done.status_code == 303
        assert "No webhook yet." in client.get(f"/w/{world.workspace_id}/webhooks").text

    @pytest.mark.parametrize("role", ["viewer", "editor", "lead"])
    def test_only_admins_see_it(self, client, world, role):
        sign_in(client, world, role)
        assert client.get(f"/w/{world.workspace_id}/webhooks").status_code == 403

    def test_a_private_target_is_refused_where_not_allowed(self, client, world, session,
                                                            settings):
        settings.webhooks_allow_private = False
        csrf = sign_in(client, world, "admin")
        response = add(client, world, csrf, url="https://192.168.1.20/hooks")
        assert response.status_code == 422
        assert 'id="w-url-error"' in response.text and "private" in response.text
