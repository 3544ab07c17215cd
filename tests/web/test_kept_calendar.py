"""The calendar block is kept and served to everyone who sees the same
calendar: each page still carries its own session's CSRF token in the block's
forms, and the kept block follows a change at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

from app.services import calendar_cache
from tests.web.test_planner import sign_in


def _submit_token(page: str) -> str:
    form = page.split('class="submit-week"')[1].split("</form>")[0]
    match = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert match, form
    return match.group(1)


def test_each_session_gets_its_own_token_in_the_kept_block(app, client, world):
    path = f"/w/{world.workspace_id}/calendar"
    first = sign_in(client, world, "editor")
    with TestClient(app, raise_server_exceptions=False) as other_client:
        second = sign_in(other_client, world, "lead")
        assert first != second
        for _ in range(2):  # the second time from the kept block
            mine = client.get(path).text
            theirs = other_client.get(path).text
            assert _submit_token(mine) == first and _submit_token(theirs) == second
            assert first not in theirs and second not in mine
            assert "csrf-token" not in mine and "kept-html" not in mine
        # An HTMX swap of the calendar is the kept block alone, with the token put in.
        swapped = other_client.get(path, headers={"HX-Request": "true",
                                                  "HX-Target": "calendar"})
        assert swapped.text.startswith('\n<section id="calendar"') or \
            swapped.text.lstrip().startswith('<section id="calendar"')
        assert _submit_token(swapped.text) == second
        assert 'class="week' in swapped.text and "kept-html" not in swapped.text


def test_a_new_post_shows_in_the_kept_block_at_once(client, world):
    csrf = sign_in(client, world, "editor")
    path = f"/w/{world.workspace_id}/calendar"
    before = client.get(path).text
    assert "Week " in before
    day = datetime.now(UTC).date() + timedelta(days=1)
    response = client.post(world.path("/posts"), headers=world.auth("editor"), json={
        "channel_id": world.channel_id, "kind": "give",
        "scheduled_at": f"{(day + timedelta(days=7 - day.weekday())).isoformat()}T09:00:00Z",
        "text": "A freshly planned tip"})
    assert response.status_code == 201, response.text
    after = client.get(path + "?date=" + (day + timedelta(days=7 - day.weekday())).isoformat())
    assert "A freshly planned tip" in after.text
    assert _submit_token(after.text) == csrf


def test_the_kept_block_holds_its_weeks_whatever_else_is_kept(client, world):
    """Two requests computing at once each keep their own weeks; the block kept
    last must not point at the weeks another one kept."""
    sign_in(client, world, "editor")
    day = datetime.now(UTC).date()
    monday = day - timedelta(days=day.weekday())
    response = client.post(world.path("/posts"), headers=world.auth("editor"), json={
        "channel_id": world.channel_id, "kind": "give",
        "scheduled_at": f"{(monday + timedelta(days=9)).isoformat()}T09:00:00Z",
        "text": "A tip kept with its week"})
    assert response.status_code == 201, response.text
    path = f"/w/{world.workspace_id}/calendar?date={(monday + timedelta(days=7)).isoformat()}"
    assert "A tip kept with its week" in client.get(path).text
    # Forget the kept weeks only, as a concurrent request's put or an eviction would.
    with calendar_cache.KEPT._lock:
        for key in [k for k in calendar_cache.KEPT._items if "weeks" in k]:
            del calendar_cache.KEPT._items[key]
    again = client.get(path).text
    assert "A tip kept with its week" in again and "kept-html" not in again
