"""The feeds and export pages: a feed's address shown once, with webcal:// and how
to subscribe; revoking; the export form and the calendar's Export CSV button."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from tests.web.test_planner import sign_in


def address_in(page: str) -> str:
    found = re.search(r'id="feed-url" readonly value="([^"]+)"', page)
    assert found, "the new feed's address is on the page"
    return html.unescape(found.group(1))


class TestFeedsPage:
    def test_a_viewer_makes_a_feed_and_sees_its_address_once(self, client, world):
        csrf = sign_in(client, world, "viewer")
        path = f"/w/{world.workspace_id}/feeds"
        page = client.get(path)
        assert page.status_code == 200
        for app_name in ("Google Calendar", "From URL", "Apple Calendar", "Outlook"):
            assert app_name in page.text
        made = client.post(path, data={"csrf_token": csrf, "channel_id": world.channel_id,
                                       "name": "My phone"})
        assert made.status_code == 200
        url = address_in(made.text)
        assert "/calendar.ics?token=gkf_" in url
        assert 'href="webcal://' in made.text
        parts = urlsplit(url)
        assert client.get(f"{parts.path}?{parts.query}").status_code == 200

        again = client.get(path).text
        assert url not in again and "My phone" in again and "LinkedIn – Acme" in again

    def test_revoking_ends_the_address(self, client, world):
        csrf = sign_in(client, world, "viewer")
        path = f"/w/{world.workspace_id}/feeds"
        parts = urlsplit(address_in(client.post(path, data={"csrf_token": csrf}).text))
        listed = client.get(path).text
        feed_id = re.search(r'/feeds/([^/"]+)/revoke', listed).group(1)  # type: ignore[union-attr]
        done = client.post(f"{path}/{feed_id}/revoke", data={"csrf_token": csrf},
                           follow_redirects=False)
        assert done.status_code == 303
        assert client.get(f"{parts.path}?{parts.query}").status_code == 404
        assert "No feed yet." in client.get(path).text

    def test_a_name_too_long_is_refused_next_to_the_field(self, client, world):
        csrf = sign_in(client, world, "viewer")
        response = client.post(f"/w/{world.workspace_id}/feeds",
                               data={"csrf_token": csrf, "name": "x" * 121})
        assert response.status_code == 422
        assert 'id="f-name-error"' in response.text
        assert 'id="feed-url"' not in response.text

    def test_a_form_without_its_csrf_token_is_refused(self, client, world):
        sign_in(client, world, "viewer")
        response = client.post(f"/w/{world.workspace_id}/feeds", data={"name": "x"})
        assert response.status_code == 403


class TestExportPage:
    def test_the_form_downloads_the_range_asked_for(self, client, world):
        csrf = sign_in(client, world, "editor")
        day = (datetime.now(UTC) + timedelta(days=3)).date()
        client.post(f"/w/{world.workspace_id}/posts", data={
            "csrf_token": csrf, "channel_id": world.channel_id, "date": day.isoformat(),
            "time": "09:00", "kind": "give", "category": "", "text": "=1+1 a tip", "link": ""})
        page = client.get(f"/w/{world.workspace_id}/export")
        assert page.status_code == 200 and 'action="/w/' in page.text
        response = client.get(f"/w/{world.workspace_id}/export.csv",
                              params={"from": day.isoformat(), "to": day.isoformat()})
        assert response.status_code == 200
        assert response.headers["content-disposition"].startswith("attachment; filename=")
        lines = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert [r["text"] for r in lines] == ["'=1+1 a tip"]

    def test_a_bad_range_is_shown_next_to_the_field(self, client, world):
        sign_in(client, world, "viewer")
        response = client.get(f"/w/{world.workspace_id}/export.csv",
                              params={"from": "2026-12-10", "to": "2026-12-01"})
        assert response.status_code == 422
        assert 'id="x-to-error"' in response.text
        response = client.get(f"/w/{world.workspace_id}/export.csv",
                              params={"from": "soon", "to": "2026-12-01"})
        assert response.status_code == 422 and 'id="x-from-error"' in response.text

    def test_the_calendar_button_carries_its_range_and_filters(self, client, world):
        sign_in(client, world, "viewer")
        page = client.get(f"/w/{world.workspace_id}/calendar", params={
            "date": "2026-11-25", "channel": world.channel_id, "kind": "ask"}).text
        link = re.search(r'<a class="btn export-csv" href="([^"]+)"', page)
        assert link, "the calendar offers Export CSV"
        href = html.unescape(link.group(1))
        assert href == (f"/w/{world.workspace_id}/export.csv?from=2026-11-23&to=2026-11-29"
                        f"&channel_id={world.channel_id}&kind=ask")
        assert client.get(href).status_code == 200
