"""The import page with German habits: the separator choice for a file that
cannot tell its own, and slashed dates read day first for a German reader."""

from __future__ import annotations

import re

from sqlmodel import func, select

from app.models import Post
from tests.web.test_planner import sign_in

GERMAN = {"Accept-Language": "de"}
# Two commas in every text and one semicolon: the file reads either way.
AMBIGUOUS = "\r\n".join(["02.12.2030 09:00;Hallo, ihr, alle",
                         "03.12.2030 09:00;Kaffee, Kuchen, Sonne", ""]).encode("cp1252")


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, name
    return match.group(1)


def test_the_separator_choice_reads_the_file_and_travels_to_the_import(client, world,
                                                                        session):
    token = sign_in(client, world, "editor")
    path = f"/w/{world.workspace_id}/import"
    page = client.get(path, headers=GERMAN)
    assert 'name="separator"' in page.text
    assert "Semikolon (;), wie es deutsches Excel schreibt" in page.text
    fields = {"csrf_token": token, "action": "check", "channel_id": world.channel_id,
              "kind": "give"}
    guessed = client.post(path, headers=GERMAN, data=fields,
                          files={"file": ("plan.csv", AMBIGUOUS, "text/csv")})
    assert guessed.status_code == 200
    assert "2 Beiträge importieren" not in guessed.text
    checked = client.post(path, headers=GERMAN, data={**fields, "separator": "semicolon"},
                          files={"file": ("plan.csv", AMBIGUOUS, "text/csv")})
    assert checked.status_code == 200, checked.text
    assert "Kaffee, Kuchen, Sonne" in checked.text
    assert "2 Beiträge importieren" in checked.text
    assert _hidden(checked.text.split('class="import-confirm"')[1], "separator") == "semicolon"
    done = client.post(path, headers=GERMAN, data={
        "csrf_token": token, "action": "import", "file_b64": _hidden(checked.text, "file_b64"),
        "filename": "plan.csv", "channel_id": world.channel_id, "kind": "give",
        "date_order": "", "format": "", "separator": "semicolon"})
    assert done.status_code == 200, done.text
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Post)).one() == 2


def test_slashed_dates_are_day_first_for_a_german_reader(client, world):
    token = sign_in(client, world, "editor")
    path = f"/w/{world.workspace_id}/import"
    body = b"date,time_24hr,message_text\n02/12/2030,09:00,Eins\n03/12/2030,10:00,Zwei\n"
    fields = {"csrf_token": token, "channel_id": world.channel_id, "kind": "give"}
    english = client.post(path, headers={"Accept-Language": "en"}, data=fields,
                          files={"file": ("sprout.csv", body, "text/csv")})
    assert english.status_code == 422
    assert 'id="import-order-error"' in english.text
    german = client.post(path, headers=GERMAN, data=fields,
                         files={"file": ("sprout.csv", body, "text/csv")})
    assert german.status_code == 200, german.text
    assert 'id="import-order-error"' not in german.text
    assert "2. Dez. 2030" in german.text
