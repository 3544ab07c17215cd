"""The import page without JavaScript: choose a file, check it, see the review
and the findings, import it, and the result links to the calendar."""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import func, select

from app.models import Post
from tests.web.test_planner import sign_in

DATA = Path(__file__).resolve().parent.parent / "data" / "imports"


def _posts(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(Post)).one())


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, name
    return match.group(1)


def test_check_then_import_a_publer_file(client, world, session):
    token = sign_in(client, world, "editor")
    path = f"/w/{world.workspace_id}/import"
    page = client.get(path)
    assert page.status_code == 200
    assert 'type="file" name="file"' in page.text and 'enctype="multipart/form-data"' in page.text
    checked = client.post(path, data={"csrf_token": token, "action": "check",
                                      "channel_id": world.channel_id, "kind": "give"},
                          files={"file": ("publer.csv", (DATA / "publer.csv").read_bytes(),
                                          "text/csv")})
    assert checked.status_code == 200, checked.text
    text = checked.text
    assert "Publer format, 7 rows" in text
    assert "from a label" in text and "default" in text
    assert "What the rhythm check would add" in text
    assert "Import 7 posts" in text
    assert _posts(session) == 0
    done = client.post(path, data={
        "csrf_token": token, "action": "import", "file_b64": _hidden(text, "file_b64"),
        "filename": "publer.csv", "channel_id": world.channel_id, "kind": "give",
        "date_order": "", "format": ""})
    assert done.status_code == 200, done.text
    assert "7 created, 0 skipped" in done.text
    assert f'href="/w/{world.workspace_id}/calendar"' in done.text
    assert _posts(session) == 7


def test_errors_show_next_to_their_line_and_field(client, world, session):
    token = sign_in(client, world, "editor")
    path = f"/w/{world.workspace_id}/import"
    body = (DATA / "publer.csv").read_bytes() + b",No date here,,,,help,,,,,,\n"
    checked = client.post(path, data={"csrf_token": token, "channel_id": world.channel_id,
                                      "kind": "give"},
                          files={"file": ("publer.csv", body, "text/csv")})
    assert checked.status_code == 200
    assert "Line 9, column Date: is empty" in checked.text
    assert 'data-line="9"' in checked.text
    assert "Import 7 posts" not in checked.text
    # A choice the file needs is asked next to its field.
    no_kind = client.post(path, data={"csrf_token": token, "channel_id": world.channel_id},
                          files={"file": ("publer.csv", body, "text/csv")})
    assert no_kind.status_code == 422
    assert 'id="import-kind-error"' in no_kind.text
    empty = client.post(path, data={"csrf_token": token})
    assert empty.status_code == 422 and 'id="import-file-error"' in empty.text
    assert _posts(session) == 0


def test_viewers_get_the_403_page(client, world):
    sign_in(client, world, "viewer")
    assert client.get(f"/w/{world.workspace_id}/import").status_code == 403


def test_a_missing_choice_keeps_the_file_for_the_next_check(client, world, session):
    token = sign_in(client, world, "editor")
    path = f"/w/{world.workspace_id}/import"
    refused = client.post(path, data={"csrf_token": token, "action": "check",
                                      "channel_id": world.channel_id},
                          files={"file": ("publer.csv", (DATA / "publer.csv").read_bytes(),
                                          "text/csv")})
    assert refused.status_code == 422
    assert 'id="import-kind-error"' in refused.text
    assert "Using <strong>publer.csv</strong>: change a choice" in refused.text
    # The editor picks the default kind only; the kept file is checked.
    checked = client.post(path, data={
        "csrf_token": token, "action": "check", "channel_id": world.channel_id, "kind": "give",
        "file_b64": _hidden(refused.text, "file_b64"), "filename": "publer.csv"})
    assert checked.status_code == 200, checked.text
    assert "Publer format, 7 rows" in checked.text
    assert _posts(session) == 0


def test_a_checked_file_of_megabytes_is_imported_too(client, world, session):
    """The checked file comes back base64 in a text field: 4/3 of its size, more than
    a form field's default megabyte."""
    token = sign_in(client, world, "editor")
    path = f"/w/{world.workspace_id}/import"
    text = "A long, useful thread about coffee " * 6
    rows = "".join(f"LinkedIn – Acme,2031-03-{1 + n // 200:02d}T{6 + (n % 200) // 15:02d}:"
                   f"{(n % 15) * 4:02d}:00+01:00,give,share,{text}{n}\n" for n in range(4_000))
    body = ("channel,scheduled_at,kind,category,text\n" + rows).encode()
    assert len(body) > 800_000
    checked = client.post(path, data={"csrf_token": token, "action": "check"},
                          files={"file": ("big.csv", body, "text/csv")})
    assert checked.status_code == 200, checked.text[:500]
    assert "Import 4000 posts" in checked.text or "Import 4,000 posts" in checked.text
    done = client.post(path, data={"csrf_token": token, "action": "import",
                                   "file_b64": _hidden(checked.text, "file_b64"),
                                   "filename": "big.csv"})
    assert done.status_code == 200, done.text[:500]
    assert _posts(session) == 4_000
