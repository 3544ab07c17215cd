"""posts.csv: a range of the plan as Giveask's own CSV, which spreadsheets open
safely and the import reads back."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.csv_cells import COLUMNS, unprotect
from tests.conftest import World, build_world

START = "2026-11-23T00:00:00+01:00"
END = "2026-11-30T00:00:00+01:00"


def post(client: TestClient, world: World, when: str, *, kind: str = "give",
         category: str | None = "share", text: str = "Five roasters worth a visit",
         **fields: Any) -> dict[str, Any]:
    response = client.post(world.path("/posts"), headers=world.auth("editor"), json={
        "channel_id": world.channel_id, "scheduled_at": when, "kind": kind,
        "category": category, "text": text, **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


def export(client: TestClient, world: World, role: str = "viewer", **params: str):  # type: ignore[no-untyped-def]
    return client.get(world.path("/posts.csv"), headers=world.auth(role),
                      params={"start": START, "end": END, **params})


def rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with the mark
    reader = csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""))
    header, *body = list(reader)
    assert tuple(header) == COLUMNS
    return [dict(zip(header, line, strict=True)) for line in body]


class TestColumns:
    def test_every_column_in_order_with_names_and_local_times(self, client, world):
        story = client.post(world.path("/stories"), headers=world.auth("editor"),
                            json={"name": "Winter launch"}).json()
        post(client, world, "2026-11-24T09:00:00+01:00", link="https://acme.test/roasters",
             story_id=story["id"], episode=1)
        post(client, world, "2026-11-26T17:30:00Z", kind="ask", category="offer",
             text="Winter blend, 20% off")
        response = export(client, world)
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"] == (
            'attachment; filename="giveask-acme-2026-11-23-2026-11-29.csv"')
        give, ask = rows(response)
        assert give == {
            "channel": "LinkedIn – Acme", "scheduled_at": "2026-11-24T09:00:00+01:00",
            "kind": "give", "category": "share", "text": "Five roasters worth a visit",
            "link": "https://acme.test/roasters", "story": "Winter launch", "episode": "1",
            "status": "draft", "series": "", "findings": give["findings"]}
        assert ask["scheduled_at"] == "2026-11-26T18:30:00+01:00"
        assert (ask["kind"], ask["category"], ask["story"], ask["episode"]) == (
            "ask", "offer", "", "")

    def test_a_formula_is_written_as_text(self, client, world):
        for text in ("=HYPERLINK(\"https://evil.test\")", "+49 30 1234", "@here", "'=kept"):
            post(client, world, "2026-11-24T09:00:00+01:00", text=text)
        cells = [r["text"] for r in rows(export(client, world))]
        assert sorted(cells) == sorted(["'=HYPERLINK(\"https://evil.test\")", "'+49 30 1234",
                                        "'@here", "''=kept"])
        assert sorted(unprotect(c) for c in cells) == sorted(
            ["=HYPERLINK(\"https://evil.test\")", "+49 30 1234", "@here", "'=kept"])

    def test_findings_count_the_open_findings_naming_each_post(self, client, world):
        made = [post(client, world, f"2026-11-{day}T09:00:00+01:00", kind="ask",
                     category="offer", text=f"Offer {day}") for day in (24, 25, 26)]
        findings = client.get(world.path("/findings"), headers=world.auth("viewer"),
                              params={"start": START, "end": END}).json()["items"]
        expected = {p["id"]: sum(1 for f in findings if p["id"] in f["post_ids"]
                                 and not f["acknowledged"]) for p in made}
        assert any(expected.values()), "three asks in a row make the plan a finding"
        counted = [int(r["findings"]) for r in rows(export(client, world))]
        assert counted == [expected[p["id"]] for p in made]


class TestFilters:
    def test_the_posts_lists_filters_apply(self, client, world):
        second = client.post(world.path("/channels"), headers=world.auth("editor"),
                             json={"name": "Newsletter", "platform": "newsletter"}).json()
        post(client, world, "2026-11-24T09:00:00+01:00", text="first give")
        post(client, world, "2026-11-25T09:00:00+01:00", kind="ask", category="offer",
             text="an ask")
        post(client, world, "2026-11-25T10:00:00+01:00", text="newsletter give",
             channel_id=second["id"])
        post(client, world, "2026-12-02T09:00:00+01:00", text="next week")

        def texts(**params: str) -> list[str]:
            return [r["text"] for r in rows(export(client, world, **params))]

        assert texts() == ["first give", "an ask", "newsletter give"]
        assert texts(kind="ask") == ["an ask"]
        assert texts(channel_id=second["id"]) == ["newsletter give"]
        assert texts(status="approved") == []
        assert texts(end="2026-12-07T00:00:00+01:00")[-1] == "next week"

    def test_an_unknown_channel_is_refused_naming_the_field(self, client, world, session):
        other = build_world(session, name="Other")
        response = export(client, world, channel_id=other.channel_id)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"] == "query.channel_id"


class TestRange:
    def test_without_a_range_it_takes_thirteen_weeks_from_this_monday(self, client, world):
        now = datetime.now(UTC)
        post(client, world, (now + timedelta(days=7)).isoformat(), text="next week")
        post(client, world, (now + timedelta(weeks=20)).isoformat(), text="too far")
        response = client.get(world.path("/posts.csv"), headers=world.auth("viewer"))
        assert [r["text"] for r in rows(response)] == ["next week"]

    def test_more_than_a_year_is_refused(self, client, world):
        response = export(client, world, end="2027-12-01T00:00:00+01:00")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "query.end"

    def test_an_end_before_the_start_is_refused(self, client, world):
        response = export(client, world, end="2026-11-01T00:00:00+01:00")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "query.end"

    def test_a_time_without_an_offset_is_refused(self, client, world):
        response = export(client, world, start="2026-11-23T00:00:00")
        assert response.status_code == 422


class TestAccess:
    def test_a_viewer_may_export(self, client, world):
        post(client, world, "2026-11-24T09:00:00+01:00")
        assert len(rows(export(client, world, "viewer"))) == 1

    def test_another_workspace_is_not_found(self, client, world, session):
        other = build_world(session, name="Other")
        response = client.get(other.path("/posts.csv"), headers=world.auth("admin"),
                              params={"start": START, "end": END})
        assert response.status_code == 404

    def test_no_credentials_is_401(self, client, world):
        assert client.get(world.path("/posts.csv")).status_code == 401


IMPORTS = "/api/v1/workspaces/{workspace_id}/imports"


def has_import(client: TestClient) -> bool:
    return "post" in client.get("/openapi.json").json()["paths"].get(IMPORTS, {})


class TestRoundTrip:
    def test_export_then_import_into_a_new_workspace_gives_every_field_back(
            self, client, world, session):
        if not has_import(client):
            pytest.skip("POST /imports is not served by this build")
        second = client.post(world.path("/channels"), headers=world.auth("editor"),
                             json={"name": "Newsletter", "platform": "newsletter"}).json()
        story = client.post(world.path("/stories"), headers=world.auth("editor"),
                            json={"name": "Winter launch"}).json()
        post(client, world, "2026-11-24T09:00:00+01:00", text="=SUM(A1:A3) roasters",
             link="https://acme.test/r", story_id=story["id"], episode=1)
        post(client, world, "2026-11-25T12:15:00+01:00", kind="ask", category="offer",
             text="Winter blend,\n20% off — \"today\"", story_id=story["id"], episode=2)
        post(client, world, "2026-11-27T08:00:00+01:00", category=None, text="ünïcødé ☕",
             channel_id=second["id"])
        exported = export(client, world)
        original = rows(exported)

        target = build_world(session, name="Acme copy")
        imported = client.post(target.path("/imports"), headers=target.auth("admin"),
                               files={"file": ("plan.csv", exported.content, "text/csv")})
        assert imported.status_code in (200, 201), imported.text
        again = rows(client.get(target.path("/posts.csv"), headers=target.auth("viewer"),
                                params={"start": START, "end": END}))
        # A series is a rule of its workspace, not a cell to recreate.
        assert [{**r, "series": ""} for r in again] == [{**r, "series": ""} for r in original]
