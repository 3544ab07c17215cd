"""Share links through the API: leads and admins make them, the URL is shown once
and only a hash is kept, the range and expiry are bounded, and a withdrawn link
stops working."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.models import AuditEvent, ShareLink
from tests.conftest import build_world


def make(client, world, role="lead", **body):  # type: ignore[no-untyped-def]
    payload = {"starts_on": "2026-12-14", "ends_on": "2026-12-20", **body}
    return client.post(world.path("/share-links"), json=payload, headers=world.auth(role))


def fields(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {e["field"]: e["message"] for e in response.json()["errors"]}


class TestWhoMayShare:
    @pytest.mark.parametrize("role", ["lead", "admin"])
    def test_leads_and_admins_create_links(self, client, world, role):
        response = make(client, world, role, label="Café Nord")
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["url"].startswith("http://testserver/s/gks_")
        assert response.headers["location"].endswith(f"/share-links/{body['id']}")
        assert (body["label"], body["starts_on"], body["ends_on"], body["status"]) == (
            "Café Nord", "2026-12-14", "2026-12-20", "active")
        assert body["allow_comments"] is True and body["guest_comments"] == 0

    @pytest.mark.parametrize("role", ["viewer", "editor"])
    def test_editors_and_viewers_may_not(self, client, world, role):
        assert make(client, world, role).status_code == 403
        assert client.get(world.path("/share-links"), headers=world.auth(role)).status_code == 403

    def test_another_workspace_is_a_404(self, client, world, session):
        other = build_world(session, name="Other Co")
        link_id = make(client, world).json()["id"]
        theirs = f"/api/v1/workspaces/{world.workspace_id}/share-links"
        assert client.get(theirs, headers=other.auth("lead")).status_code == 404
        assert client.post(theirs, json={"week": "2026-W51"},
                           headers=other.auth("lead")).status_code == 404
        assert client.delete(f"{other.path('/share-links')}/{link_id}",
                             headers=other.auth("lead")).status_code == 404
        assert client.get(f"{world.path('/share-links')}/{link_id}",
                          headers=world.auth("lead")).json()["status"] == "active"


class TestTheSecret:
    def test_the_url_is_shown_once_and_only_its_hash_kept(self, client, world, session):
        url = make(client, world).json()["url"]
        token = url.rsplit("/", 1)[1]
        listing = client.get(world.path("/share-links"), headers=world.auth("lead")).json()
        assert token not in str(listing) and "url" not in listing["items"][0]
        stored = session.exec(select(ShareLink)).all()
        assert [token not in (s.token_hash, s.prefix) for s in stored] == [True]
        assert token.startswith(stored[0].prefix)

    def test_creating_and_withdrawing_are_in_the_history(self, client, world, session):
        link_id = make(client, world, label="Q1 review").json()["id"]
        client.delete(f"{world.path('/share-links')}/{link_id}", headers=world.auth("lead"))
        actions = {e.action for e in session.exec(select(AuditEvent).where(
            AuditEvent.subject_id == link_id)).all()}
        assert actions == {"created", "revoked"}


class TestTheRange:
    def test_a_week_stands_for_its_seven_days(self, client, world):
        body = make(client, world, week="2026-W51", starts_on=None, ends_on=None).json()
        assert (body["starts_on"], body["ends_on"]) == ("2026-12-14", "2026-12-20")

    def test_a_single_day_is_a_range(self, client, world):
        assert make(client, world, starts_on="2026-12-15", ends_on="2026-12-15").status_code == 201

    @pytest.mark.parametrize("body, field", [
        ({"ends_on": "2026-12-13"}, "ends_on"),
        ({"ends_on": "2027-03-20"}, "ends_on"),  # more than 13 weeks
        ({"starts_on": None}, "starts_on"),
        ({"starts_on": "14.12.2026"}, "starts_on"),
        ({"starts_on": None, "ends_on": None, "week": "2026-W60"}, "week"),
        ({"week": "2026-W51"}, "week"),  # a week and dates at once
        ({"channel_id": "no-such-channel"}, "channel_id"),
        ({"label": "x" * 121}, "label"),
        ({"expires_in_days": 91}, "expires_in_days"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_at": "2026-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": "2026-12-01T00:00:00"}, "expires_at"),
        ({"allow_comments": True, "secret": "x"}, "secret"),
    ])
    def test_bad_input_names_the_field_and_saves_nothing(self, client, world, session, body,
                                                         field):
        response = make(client, world, **body)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in fields(response), fields(response)
        assert session.exec(select(ShareLink)).all() == []

    def test_thirteen_weeks_is_the_most(self, client, world):
        assert make(client, world, ends_on="2027-03-14").status_code == 201  # 91 days

    def test_a_channel_of_another_workspace_is_refused(self, client, world, session):
        other = build_world(session, name="Other Co")
        response = make(client, world, channel_id=other.channel_id)
        assert response.status_code == 422 and "channel_id" in fields(response)

    def test_one_channel(self, client, world):
        body = make(client, world, channel_id=world.channel_id).json()
        assert body["channel_id"] == world.channel_id


class TestExpiry:
    def test_two_weeks_unless_told(self, client, world):
        before = datetime.now(UTC)
        body = make(client, world).json()
        expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
        assert before + timedelta(days=14) <= expires <= datetime.now(UTC) + timedelta(days=14)

    def test_a_number_of_days_or_a_time(self, client, world):
        body = make(client, world, expires_in_days=3).json()
        expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
        assert timedelta(days=2) < expires - datetime.now(UTC) <= timedelta(days=3)
        at = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
        body = make(client, world, expires_at=at.isoformat()).json()
        assert body["expires_at"] == at.isoformat().replace("+00:00", "Z")

    def test_both_at_once_is_refused(self, client, world):
        at = (datetime.now(UTC) + timedelta(days=3)).isoformat()
        response = make(client, world, expires_at=at, expires_in_days=3)
        assert response.status_code == 422 and "expires_in_days" in fields(response)


class TestWithdrawing:
    def test_a_withdrawn_link_is_listed_as_revoked_and_stays_so(self, client, world):
        link_id = make(client, world).json()["id"]
        path = f"{world.path('/share-links')}/{link_id}"
        assert client.delete(path, headers=world.auth("lead")).status_code == 204
        assert client.delete(path, headers=world.auth("admin")).status_code == 204
        body = client.get(path, headers=world.auth("lead")).json()
        assert body["status"] == "revoked" and body["revoked_at"]

    def test_an_unknown_link_is_a_404(self, client, world):
        path = f"{world.path('/share-links')}/nope"
        assert client.delete(path, headers=world.auth("lead")).status_code == 404
        assert client.get(path, headers=world.auth("lead")).status_code == 404

    def test_editors_may_not_withdraw(self, client, world):
        link_id = make(client, world).json()["id"]
        assert client.delete(f"{world.path('/share-links')}/{link_id}",
                             headers=world.auth("editor")).status_code == 403
