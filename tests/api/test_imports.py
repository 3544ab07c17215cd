"""Importing a CSV plan through the API: every format from a sample file, the
dry run's review and findings, all-or-nothing saving, re-imports, bounds, and
local times at clock changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import AuditEvent, Channel, ImportRun, Post, Story
from app.services.imports import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from tests.conftest import World, build_world

DATA = Path(__file__).resolve().parent.parent / "data" / "imports"
CSV = {"Content-Type": "text/csv"}


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def send(client: TestClient, world: World, body: bytes, role: str = "editor",
         **params: Any) -> Any:
    return client.post(world.path("/imports"), content=body,
                       headers={**world.auth(role), **CSV}, params=params)


def posts(session: Session, world: World) -> list[Post]:
    session.expire_all()
    return list(session.exec(select(Post).where(Post.workspace_id == world.workspace_id)
                             .order_by(Post.scheduled_at)).all())


def count(session: Session, model: Any) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(model)).one())


def errors_of(response: Any) -> list[tuple[Any, str]]:
    return [(e["line"], e["column"]) for e in response.json()["errors"]]


class TestPubler:
    def test_dry_run_reviews_every_row_with_its_kind_and_saves_nothing(self, client, world,
                                                                       session):
        response = send(client, world, sample("publer.csv"), dry_run="true",
                        channel_id=world.channel_id, kind="give")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["format"] == "publer"
        assert body["rows"] == 7 and body["to_create"] == 7 and body["errors"] == []
        review = {r["line"]: r for r in body["review"]}
        assert (review[2]["kind"], review[2]["category"], review[2]["kind_from"]) == \
            ("give", "help", "label")
        assert (review[6]["kind"], review[6]["category"]) == ("ask", "offer")
        assert (review[7]["kind"], review[7]["category"]) == ("ask", "event")
        assert (review[4]["kind"], review[4]["category"]) == ("give", "engage")  # "question"
        # No label: the default kind, and the review says so.
        assert (review[8]["kind"], review[8]["kind_from"]) == ("give", "default")
        # Publer's "10-00" times, read in the workspace's zone (Berlin, winter).
        assert review[2]["local_time"] == "2030-12-02T09:00+01:00"
        assert review[2]["scheduled_at"] == "2030-12-02T08:00:00Z"
        assert review[6]["local_time"] == "2030-12-06T10:30+01:00"
        # || chains: the description is the text, the first link the link.
        assert review[3]["text"] == "Three ways to keep beans fresh"
        assert review[3]["link"] == "https://cafe.example/fresh"
        assert any("more link" in n for n in review[3]["notes"])
        assert all(r["channel_id"] == world.channel_id for r in body["review"])
        assert count(session, Post) == 0

    def test_the_dry_run_names_the_findings_the_import_would_add(self, client, world):
        body = send(client, world, sample("publer.csv"), dry_run="true",
                    channel_id=world.channel_id, kind="give").json()
        codes = {f["code"] for f in body["findings_added"]}
        # Two asks on a fresh channel, with fewer gives than the rhythm asks before them.
        assert "ask_too_early" in codes or "ask_too_soon" in codes
        for finding in body["findings_added"]:
            assert finding["lines"], finding
            assert finding["channel"] == "LinkedIn – Acme"

    def test_import_saves_every_row_once_and_records_the_run(self, client, world, session):
        response = send(client, world, sample("publer.csv"), channel_id=world.channel_id,
                        kind="give")
        assert response.status_code == 201, response.text
        run = response.json()
        assert (run["format"], run["rows"], run["created"], run["skipped"]) == \
            ("publer", 7, 7, 0)
        assert response.headers["Location"].endswith(f"/imports/{run['id']}")
        saved = posts(session, world)
        assert [p.kind for p in saved] == ["give"] * 4 + ["ask"] * 2 + ["give"]
        assert all(p.status == "draft" and p.idempotency_key.startswith("csv:")
                   for p in saved)
        events = session.exec(select(AuditEvent).where(
            AuditEvent.workspace_id == world.workspace_id,
            AuditEvent.subject_type == "post")).all()
        assert len(events) == 7
        assert {e.action for e in events} == {"created"}
        assert {e.note for e in events} == {"imported from a CSV file"}
        got = client.get(world.path(f"/imports/{run['id']}"), headers=world.auth("viewer"))
        assert got.status_code == 200 and got.json()["created"] == 7

    def test_reimporting_the_same_file_creates_no_duplicates(self, client, world, session):
        first = send(client, world, sample("publer.csv"), channel_id=world.channel_id,
                     kind="give")
        assert first.status_code == 201
        again = send(client, world, sample("publer.csv"), channel_id=world.channel_id,
                     kind="give")
        assert again.status_code == 201, again.text
        assert (again.json()["created"], again.json()["skipped"]) == (0, 7)
        assert len(posts(session, world)) == 7
        # One more row: only that one is new.
        grown = sample("publer.csv") + b"2030-12-09 09:00,One more tip,,,,help,,,,,,\n"
        third = send(client, world, grown, channel_id=world.channel_id, kind="give")
        assert (third.json()["created"], third.json()["skipped"]) == (1, 7)
        assert count(session, ImportRun) == 3

    def test_two_identical_rows_in_one_file_import_once(self, client, world, session):
        body = (b"Date,Text,Link(s),Label(s)\n2030-12-02 09:00,Same post,,help\n"
                b"2030-12-02 09:00,Same post,,help\n")
        review = send(client, world, body, dry_run="true", channel_id=world.channel_id
                      ).json()["review"]
        assert [r["skipped"] for r in review] == [False, True]
        assert "line 2" in review[1]["notes"][0]
        assert send(client, world, body, channel_id=world.channel_id).json()["created"] == 1

    def test_a_blank_date_is_an_error_on_its_line_and_nothing_is_saved(self, client, world,
                                                                       session):
        body = sample("publer.csv") + b",Post without a date,,,,help,,,,,,\n"
        dry = send(client, world, body, dry_run="true", channel_id=world.channel_id,
                   kind="give")
        assert dry.status_code == 200
        assert errors_of(dry) == [(9, "Date")]
        assert "is empty" in dry.json()["errors"][0]["message"]
        real = send(client, world, body, channel_id=world.channel_id, kind="give")
        assert real.status_code == 422
        assert real.headers["content-type"].startswith("application/problem+json")
        error = real.json()["errors"][0]
        assert (error["field"], error["line"], error["column"]) == ("line 9, column Date", 9,
                                                                      "Date")
        assert count(session, Post) == 0 and count(session, ImportRun) == 0

    def test_without_a_default_kind_unlabelled_rows_ask_for_one(self, client, world):
        response = send(client, world, sample("publer.csv"), dry_run="true",
                        channel_id=world.channel_id)
        assert response.status_code == 422
        (error,) = response.json()["errors"]
        assert error["field"] == "kind" and "(line 8)" in error["message"]

    def test_without_a_channel_the_import_asks_for_one(self, client, world):
        response = send(client, world, sample("publer.csv"), kind="give")
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["channel_id"]


class TestOtherFormats:
    def test_socialbee_with_spaces_after_the_commas(self, client, world, session):
        body = send(client, world, sample("socialbee.csv"), dry_run="true",
                    channel_id=world.channel_id, kind="give").json()
        assert body["format"] == "socialbee" and body["errors"] == []
        review = body["review"]
        assert review[0]["text"] == "Five cafés that roast their own beans, a thread"
        assert review[0]["link"] == "https://cafe.example/roasters"
        assert [r["scheduled_at"] for r in review] == [
            "2030-12-02T07:00:00Z", "2030-12-03T07:00:00Z", "2030-12-04T07:00:00Z"]

    def test_sprout_asks_for_the_date_order_when_the_dates_read_both_ways(self, client,
                                                                          world):
        asked = send(client, world, sample("sprout.csv"), dry_run="true",
                     channel_id=world.channel_id, kind="give")
        assert asked.status_code == 422
        assert [e["field"] for e in asked.json()["errors"]] == ["date_order"]
        dmy = send(client, world, sample("sprout.csv"), dry_run="true",
                   channel_id=world.channel_id, kind="give", date_order="dmy").json()
        assert dmy["format"] == "sprout" and dmy["errors"] == []
        assert [r["local_time"] for r in dmy["review"]] == [
            "2030-12-02T09:00+01:00", "2030-12-03T10:00+01:00", "2030-12-04T09:30+01:00"]
        mdy = send(client, world, sample("sprout.csv"), dry_run="true",
                   channel_id=world.channel_id, kind="give", date_order="mdy").json()
        assert mdy["review"][0]["local_time"] == "2030-02-12T09:00+01:00"

    def test_hootsuite_without_a_header_takes_the_order_its_dates_allow(self, client, world,
                                                                        session):
        response = send(client, world, sample("hootsuite.csv"), channel_id=world.channel_id,
                        kind="give", dry_run="true")
        body = response.json()
        assert (body["format"], body["date_order"]) == ("hootsuite", "mdy"), body
        review = body["review"]
        assert [r["local_time"][:10] for r in review] == ["2030-12-02", "2030-12-03",
                                                          "2030-12-31"]
        assert review[0]["text"] == "Good morning, coffee people"
        assert (review[0]["link"], review[1]["link"]) == ("https://cafe.example", None)
        saved = send(client, world, sample("hootsuite.csv"), channel_id=world.channel_id,
                     kind="give")
        assert saved.status_code == 201 and saved.json()["created"] == 3

    def test_german_excel_semicolons_bom_and_dotted_dates(self, client, world, session):
        body = send(client, world, sample("german-excel-semicolon.csv"), dry_run="true",
                    channel_id=world.channel_id, kind="give").json()
        assert body["format"] == "publer" and body["errors"] == [], body["errors"]
        review = body["review"]
        assert review[0]["text"] == "Grüße aus der Rösterei"
        assert review[1]["text"] == "Kaffee; frisch gemahlen: so geht’s"
        assert [(r["kind"], r["kind_from"]) for r in review] == [
            ("give", "default"), ("give", "label"), ("ask", "label")]
        assert [r["local_time"] for r in review] == [
            "2030-12-02T09:00+01:00", "2030-12-03T09:00+01:00", "2030-12-04T10:00+01:00"]

    def test_a_cp1252_file_from_excel_reads_too(self, client, world):
        text = "date,time_24hr,message_text\n13/12/2030,09:00,Café crème für alle\n"
        body = send(client, world, text.encode("cp1252"), dry_run="true",
                    channel_id=world.channel_id, kind="give").json()
        assert body["review"][0]["text"] == "Café crème für alle"
        assert body["date_order"] == "dmy"

    def test_excel_unicode_text_in_utf16_with_tabs_reads_too(self, client, world):
        text = "date\ttime_24hr\tmessage_text\r\n13/12/2030\t09:00\tCafé crème für alle\r\n"
        body = send(client, world, text.encode("utf-16"), dry_run="true",
                    channel_id=world.channel_id, kind="give").json()
        assert body["format"] == "sprout"
        assert body["review"][0]["text"] == "Café crème für alle"
        assert body["review"][0]["local_time"] == "2030-12-13T09:00+01:00"

    def test_format_overrides_the_header_and_unknown_headers_ask_for_one(self, client,
                                                                         world):
        unknown = send(client, world, b"when,what\n2030-12-01 09:00,Hi\n", dry_run="true",
                       channel_id=world.channel_id, kind="give")
        assert unknown.status_code == 422
        assert [e["field"] for e in unknown.json()["errors"]] == ["format"]
        bad = send(client, world, sample("publer.csv"), format="buffer")
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "format"


class TestGiveaskFormat:
    def test_own_format_creates_channels_and_stories_and_keeps_statuses(self, client,
                                                                        world, session):
        dry = send(client, world, sample("giveask.csv"), dry_run="true", role="lead").json()
        assert dry["errors"] == [], dry["errors"]
        assert dry["channels_to_create"] == ["Newsletter – Acme"]
        assert dry["stories_to_create"] == ["Winter blend"]
        response = send(client, world, sample("giveask.csv"), role="lead")
        assert response.status_code == 201, response.text
        saved = posts(session, world)
        assert [p.status for p in saved] == ["draft", "approved", "published", "submitted"]
        assert saved[1].text == "How to brew it,\nat home"
        # The formula guard's apostrophe is taken off again.
        assert saved[2].text == "=Our readers' favourite"
        assert saved[2].scheduled_at.hour == 8  # 09:00 in Berlin, no offset given
        story = session.exec(select(Story).where(Story.workspace_id == world.workspace_id)
                             ).one()
        assert [p.episode for p in saved if p.story_id == story.id] == [1, 2, 3]
        newsletter = session.exec(select(Channel).where(
            Channel.workspace_id == world.workspace_id,
            Channel.name == "Newsletter – Acme")).one()
        assert saved[2].channel_id == newsletter.id

    def test_the_same_file_again_skips_its_episodes_and_a_new_post_cannot_take_one(
            self, client, world, session):
        assert send(client, world, sample("giveask.csv"), role="lead").status_code == 201
        before = len(posts(session, world))
        again = send(client, world, sample("giveask.csv"), role="lead")
        assert again.status_code == 201, again.text
        assert (again.json()["created"], again.json()["skipped"]) == (0, before)
        # Another post claiming episode 1 of the story is refused.
        text = sample("giveask.csv").decode("utf-8-sig")
        header, first = text.splitlines()[0], text.splitlines()[1]
        other = "\n".join([header, first.replace("Where our winter beans grow",
                                                  "A different post")])
        refused = send(client, world, other.encode(), role="lead")
        assert refused.status_code == 422, refused.text
        assert "already planned" in refused.text
        assert len(posts(session, world)) == before

    def test_an_editor_cannot_import_approvals(self, client, world, session):
        assert send(client, world, sample("giveask.csv")).status_code == 201
        assert [p.status for p in posts(session, world)] == [
            "draft", "submitted", "published", "submitted"]

    def test_dst_ambiguous_and_missing_local_times_are_row_errors(self, client, world,
                                                                  session):
        response = send(client, world, sample("dst.csv"))
        assert response.status_code == 422
        errors = response.json()["errors"]
        assert [(e["line"], e["column"]) for e in errors] == [(2, "scheduled_at"),
                                                              (3, "scheduled_at")]
        assert "happens twice" in errors[0]["message"]
        assert "does not exist" in errors[1]["message"]
        assert count(session, Post) == 0

    def test_every_row_problem_is_listed_with_line_and_column(self, client, world):
        body = ("channel,scheduled_at,kind,category,text,link\n"
                "LinkedIn – Acme,2030-12-02T09:00:00Z,give,sale,Wrong category,\n"
                "LinkedIn – Acme,tomorrow,give,share,Bad time,\n"
                "LinkedIn – Acme,2030-12-04T09:00:00Z,give,share,,\n"
                "LinkedIn – Acme,2030-12-05T09:00:00Z,give,share,Bad link,ftp://x\n"
                "LinkedIn – Acme,2030-12-06T09:00:00Z,promo,,Bad kind,\n")
        response = send(client, world, body.encode(), dry_run="true")
        assert errors_of(response) == [(2, "category"), (3, "scheduled_at"), (4, "text"),
                                       (5, "link"), (6, "kind")]


class TestBoundsAndAccess:
    def test_a_file_over_the_size_limit_is_413(self, client, world, session):
        big = b"Date,Text,Link(s),Label(s)\n" + b"x" * (MAX_IMPORT_BYTES + 10)
        response = send(client, world, big, channel_id=world.channel_id, kind="give")
        assert response.status_code == 413
        assert response.headers["content-type"].startswith("application/problem+json")
        assert count(session, Post) == 0

    def test_more_rows_than_the_limit_is_422(self, client, world, session):
        rows = "".join(f"2030-12-02 09:00,Post {i},,help\n" for i in range(MAX_IMPORT_ROWS + 1))
        response = send(client, world, ("Date,Text,Link(s),Label(s)\n" + rows).encode(),
                        channel_id=world.channel_id)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "file"
        assert count(session, Post) == 0

    def test_another_workspaces_channel_is_404_and_nothing_is_saved(self, client, world,
                                                                    session):
        other = build_world(session, name="Other")
        response = send(client, world, sample("publer.csv"), channel_id=other.channel_id,
                        kind="give")
        assert response.status_code == 404
        assert count(session, Post) == 0

    def test_viewers_may_not_import(self, client, world):
        response = send(client, world, sample("publer.csv"), role="viewer",
                        channel_id=world.channel_id, kind="give")
        assert response.status_code == 403

    def test_an_archived_channel_takes_no_posts(self, client, world, session):
        archived = client.post(world.path(f"/channels/{world.channel_id}/archive"),
                               headers=world.auth("editor"))
        assert archived.status_code == 200
        response = send(client, world, sample("publer.csv"), channel_id=world.channel_id,
                        kind="give")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "channel_id"

    def test_multipart_upload_with_the_options_as_form_fields(self, client, world, session):
        response = client.post(world.path("/imports"), headers=world.auth("editor"),
                               files={"file": ("publer.csv", sample("publer.csv"), "text/csv")},
                               data={"channel_id": world.channel_id, "kind": "give"})
        assert response.status_code == 201, response.text
        assert response.json()["filename"] == "publer.csv"
        events = session.exec(select(AuditEvent).where(
            AuditEvent.workspace_id == world.workspace_id,
            AuditEvent.subject_type == "post")).all()
        assert {e.note for e in events} == {"imported from publer.csv"}

    def test_an_empty_body_is_422(self, client, world):
        response = send(client, world, b"", channel_id=world.channel_id)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "file"
