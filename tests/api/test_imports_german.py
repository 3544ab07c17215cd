"""The import with German habits: Giveask's own columns as German Excel saves
them (``;``, ``15.12.2030 09:00``, cp1252 or a byte order mark, CRLF), a
Hootsuite file whose texts hold commas, slashed dates read day first for a
German reader, the ``separator`` option, and row errors in German."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import Post
from tests.conftest import World

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}


def excel(rows: list[str], encoding: str = "cp1252") -> bytes:
    return "\r\n".join([*rows, ""]).encode(encoding)


def send(client: TestClient, world: World, body: bytes, headers: dict[str, str] | None = None,
         **params: Any) -> Any:
    return client.post(world.path("/imports"), content=body, params=params,
                       headers={**world.auth("lead"), "Content-Type": "text/csv",
                                **(headers or {})})


OWN = ["channel;scheduled_at;kind;category;text;link;story;episode;status",
       "LinkedIn – Acme;15.12.2030 09:00;give;help;Grüße aus der Rösterei, mit Tipp;;;;",
       "LinkedIn – Acme;16.12.2030 9:30;ask;offer;Winterröstung: 20 % Rabatt;"
       "https://cafe.example/shop;;;approved",
       'LinkedIn – Acme;17.12.2030 18:00;give;share;"Kaffee; frisch gemahlen";;Winter;1;',
       "LinkedIn – Acme;2030-12-18T09:00:00+01:00;give;share;Wie gehabt;;Winter;2;"]


class TestGiveaskColumnsFromGermanExcel:
    @pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
    def test_the_dry_run_reads_every_row_in_the_workspace_zone(self, client, world,
                                                                encoding):
        response = send(client, world, excel(OWN, encoding), dry_run="true")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["format"] == "giveask" and body["errors"] == [], body["errors"]
        review = body["review"]
        assert [r["local_time"] for r in review] == [
            "2030-12-15T09:00+01:00", "2030-12-16T09:30+01:00", "2030-12-17T18:00+01:00",
            "2030-12-18T09:00+01:00"]
        assert review[0]["text"] == "Grüße aus der Rösterei, mit Tipp"
        assert review[1]["text"] == "Winterröstung: 20 % Rabatt"
        assert review[2]["text"] == "Kaffee; frisch gemahlen"
        assert [(r["story"], r["episode"]) for r in review[2:]] == [("Winter", 1),
                                                                    ("Winter", 2)]

    def test_the_import_saves_the_utc_times(self, client, world, session: Session):
        response = send(client, world, excel(OWN))
        assert response.status_code == 201, response.text
        assert response.json()["created"] == 4
        session.expire_all()
        saved = session.exec(select(Post).where(Post.workspace_id == world.workspace_id)
                             .order_by(Post.scheduled_at)).all()
        assert [p.scheduled_at.strftime("%d.%m. %H:%M") for p in saved] == [
            "15.12. 08:00", "16.12. 08:30", "17.12. 17:00", "18.12. 08:00"]
        assert [p.status for p in saved] == ["draft", "approved", "draft", "draft"]
        # Its rows again, saved by Excel as UTF-8 this time: the same posts.
        again = send(client, world, excel(OWN[:3], "utf-8-sig"))
        assert (again.json()["created"], again.json()["skipped"]) == (0, 2), again.json()

    def test_a_date_that_is_no_date_names_its_line(self, client, world):
        rows = [*OWN, "LinkedIn – Acme;31.11.2030 09:00;give;share;x;;;;"]
        body = send(client, world, excel(rows), dry_run="true").json()
        assert [(e["line"], e["column"]) for e in body["errors"]] == [(6, "scheduled_at")]
        assert body["errors"][0]["message"].startswith("'31.11.2030 09:00' is not a real date")


class TestHootsuiteFromGermanExcel:
    ROWS = ["02.12.2030 09:00;Guten Morgen, liebe Kaffeeleute, schön, dass ihr da seid;"
            "https://cafe.example",
            "03.12.2030 09:00;Warum wir jeden Shot wiegen;",
            "04.12.2030 18:00;Öffnungszeiten: 10:00 bis 14:00, auch am Sonntag;"]

    def test_commas_in_the_texts_do_not_make_it_a_comma_file(self, client, world):
        body = send(client, world, excel(self.ROWS), dry_run="true",
                    channel_id=world.channel_id, kind="give").json()
        assert body["format"] == "hootsuite" and body["errors"] == [], body
        assert [r["text"] for r in body["review"]] == [
            "Guten Morgen, liebe Kaffeeleute, schön, dass ihr da seid",
            "Warum wir jeden Shot wiegen", "Öffnungszeiten: 10:00 bis 14:00, auch am Sonntag"]
        assert body["review"][0]["link"] == "https://cafe.example"

    def test_the_separator_option_settles_what_the_file_cannot(self, client, world):
        # Two columns, two commas in every text: both separators come back
        # equally often on every row, and the commas win.
        rows = ["02.12.2030 09:00;Hallo, ihr, alle", "03.12.2030 09:00;Kaffee, Kuchen, Sonne"]
        guessed = send(client, world, excel(rows), dry_run="true",
                       channel_id=world.channel_id, kind="give")
        assert guessed.status_code == 200
        assert guessed.json()["errors"], guessed.json()
        told = send(client, world, excel(rows), dry_run="true", channel_id=world.channel_id,
                    kind="give", separator="semicolon").json()
        assert told["format"] == "hootsuite" and told["errors"] == [], told
        assert [r["text"] for r in told["review"]] == ["Hallo, ihr, alle",
                                                       "Kaffee, Kuchen, Sonne"]
        assert send(client, world, excel(rows), dry_run="true", channel_id=world.channel_id,
                    kind="give", separator=";").json()["errors"] == []

    def test_an_unknown_separator_is_422_naming_it(self, client, world):
        response = send(client, world, excel(self.ROWS), dry_run="true",
                        channel_id=world.channel_id, kind="give", separator="|")
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["separator"]

    def test_the_separator_as_a_form_field(self, client, world):
        rows = ["02.12.2030 09:00;Hallo, ihr, alle", "03.12.2030 09:00;Kaffee, Kuchen, Sonne"]
        response = client.post(world.path("/imports"), headers=world.auth("editor"),
                               params={"dry_run": "true"},
                               files={"file": ("hootsuite.csv", excel(rows), "text/csv")},
                               data={"channel_id": world.channel_id, "kind": "give",
                                     "separator": "semicolon"})
        assert response.status_code == 200, response.text
        assert response.json()["errors"] == []


class TestDateOrderFromTheLanguage:
    SPROUT = b"date,time_24hr,message_text\n02/12/2030,09:00,Eins\n03/12/2030,10:00,Zwei\n"

    def test_a_german_reader_gets_day_first(self, client, world):
        body = send(client, world, self.SPROUT, GERMAN, dry_run="true",
                    channel_id=world.channel_id, kind="give").json()
        assert body["date_order"] == "dmy", body
        assert [r["local_time"] for r in body["review"]] == ["2030-12-02T09:00+01:00",
                                                             "2030-12-03T10:00+01:00"]

    def test_an_english_reader_is_asked(self, client, world):
        response = send(client, world, self.SPROUT, {"Accept-Language": "en"},
                        dry_run="true", channel_id=world.channel_id, kind="give")
        assert response.status_code == 422
        (error,) = response.json()["errors"]
        assert error["field"] == "date_order"
        assert "choose date_order: dmy (31/12/2026) or mdy (12/31/2026)" in error["message"]

    def test_the_file_and_the_option_go_before_the_language(self, client, world):
        month_first = self.SPROUT + b"12/31/2030,09:00,Drei\n"
        body = send(client, world, month_first, GERMAN, dry_run="true",
                    channel_id=world.channel_id, kind="give").json()
        assert body["date_order"] == "mdy"
        assert body["review"][0]["local_time"] == "2030-02-12T09:00+01:00"
        chosen = send(client, world, self.SPROUT, GERMAN, dry_run="true",
                      channel_id=world.channel_id, kind="give", date_order="mdy").json()
        assert chosen["date_order"] == "mdy"

    def test_dates_of_both_orders_are_refused_in_german_too(self, client, world):
        mixed = self.SPROUT + b"13/12/2030,09:00,Drei\n12/31/2030,09:00,Vier\n"
        response = send(client, world, mixed, GERMAN, dry_run="true",
                        channel_id=world.channel_id, kind="give")
        assert response.status_code == 422
        (error,) = response.json()["errors"]
        assert error["field"] == "date_order"
        assert "Zeile 4 mit dem Tag zuerst und in Zeile 5 mit dem Monat zuerst" \
            in error["message"]


class TestRowErrorsInGerman:
    def test_row_errors_come_in_the_readers_language_and_fields_stay(self, client, world):
        body = ("channel;scheduled_at;kind;category;text;link;story;episode;status\n"
                "LinkedIn – Acme;morgen;give;share;x;;;;\n"
                "LinkedIn – Acme;02.12.2030 09:00;werbung;;x;;;;\n"
                "LinkedIn – Acme;03.12.2030 09:00;give;sale;x;;;;\n"
                "LinkedIn – Acme;04.12.2030 09:00;give;share;x;;;0;\n"
                "LinkedIn – Acme;05.12.2030 09:00;give;share;x;;;;fertig\n")
        response = send(client, world, body.encode(), GERMAN, dry_run="true")
        assert response.status_code == 200, response.text
        errors = {(e["line"], e["column"]): e for e in response.json()["errors"]}
        assert errors[(2, "scheduled_at")]["message"].startswith(
            "'morgen' ist kein Datum mit Uhrzeit")
        assert errors[(2, "scheduled_at")]["field"] == "line 2, column scheduled_at"
        assert errors[(3, "kind")]["message"] == "'werbung' ist weder give noch ask"
        assert errors[(4, "category")]["message"].startswith("'sale' ist keine Kategorie")
        assert errors[(5, "episode")]["message"] == "muss eine ganze Zahl ab 1 sein"
        assert errors[(6, "status")]["message"].startswith("'fertig' ist kein Status")

    def test_the_choices_a_file_needs_are_asked_in_german(self, client, world):
        response = send(client, world, b"Date,Text,Link(s),Label(s)\n"
                        b"2030-12-02 09:00,Hallo,,\n", GERMAN, dry_run="true")
        assert response.status_code == 422
        errors = {e["field"]: e["message"] for e in response.json()["errors"]}
        assert errors["channel_id"] == ("1 Zeile (Zeile 2) nennt keinen Kanal; wähle den "
                                        "Kanal, in den sie kommt")
        assert errors["kind"].startswith("1 Zeile (Zeile 2) hat kein Label")

    def test_review_notes_in_german(self, client, world):
        body = (b"Date,Text,Link(s),Label(s)\n"
                b"2030-12-02 09:00,Hallo||Foto eins,https://a.example||https://b.example,help\n"
                b"2030-12-02 09:00,Hallo||Foto eins,https://a.example||https://b.example,help\n")
        review = send(client, world, body, GERMAN, dry_run="true",
                      channel_id=world.channel_id).json()["review"]
        assert review[0]["notes"] == [
            "1 Bildunterschrift nach || weggelassen",
            "1 weiterer Link weggelassen; der Beitrag behält den ersten"]
        assert review[1]["notes"][-1] == "derselbe Beitrag wie in Zeile 2; wird einmal importiert"
