"""The give/ask report through the API, on a seeded plan whose every figure is
worked out by hand below: months, groups by the gives before an ask (means,
half-up rounding, an empty group, the too-few flag, a missing reach), weeks on
and off rhythm, another workspace left out, the CSV the same as the JSON, and
the refusals naming their field."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Channel, Post, PostOutcome
from tests.conftest import World, build_world

BERLIN = ZoneInfo("Europe/Berlin")
RANGE = {"start": "2026-01-01T00:00:00+01:00", "end": "2026-03-01T00:00:00+01:00"}


def at(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, 9, 0, tzinfo=BERLIN)


def post(session: Session, world: World, channel_id: str, when: datetime, kind: str,
         status: str = "published", **figures: int | None) -> Post:
    row = Post(workspace_id=world.workspace_id, channel_id=channel_id, scheduled_at=when,
               kind=kind, text=f"{kind} on {when:%d %b}", status=status,
               published_at=when if status == "published" else None)
    session.add(row)
    session.flush()
    if figures:
        session.add(PostOutcome(post_id=row.id, workspace_id=world.workspace_id, **figures))
    return row


def seed(session: Session, world: World) -> str:
    """The plan (09:00 Berlin each). LinkedIn (world.channel_id):

    - before the range: ask 20 Dec (published), gives 22 and 23 Dec (published),
      give 24 Dec (a draft: the rules count it, the report does not)
    - 5 Jan give (reach 1000, engagements 50, conversions 0)
    - 6 Jan ask A1: gives before 2 + 1 = 3 -> 3-5 (2000, 30, 4)
    - 7, 8 Jan gives, no results
    - 9 Jan ask A2: 2 gives -> 0-2 (reach unknown, engagements 10, 1)
    - 10 Jan give, a draft
    - 12 Jan ask A3: 0 published gives -> 0-2 (1000, 15, 2)
    - 2..10 Feb nine gives, the first with results (500, 40, 0)
    - 11 Feb ask A4: 9 gives -> 9+ (1000, 20, 10)

    "=Blog" (a name a spreadsheet would run): asks 15 Jan B1 (only clicks 3: results,
    but no conversions), 20 Jan B2 (100, 0, 3), 22 Jan B3 (300, 3, 3); no
    previous ask, no gives -> 0-2.
    """
    blog = Channel(workspace_id=world.workspace_id, name="=Blog", platform="other")
    session.add(blog)
    session.flush()
    li = world.channel_id
    post(session, world, li, at(12, 20, 2025), "ask")
    post(session, world, li, at(12, 22, 2025), "give")
    post(session, world, li, at(12, 23, 2025), "give")
    post(session, world, li, at(12, 24, 2025), "give", status="draft")
    post(session, world, li, at(1, 5), "give", reach=1000, engagements=50, conversions=0)
    post(session, world, li, at(1, 6), "ask", reach=2000, engagements=30, conversions=4)
    post(session, world, li, at(1, 7), "give")
    post(session, world, li, at(1, 8), "give")
    post(session, world, li, at(1, 9), "ask", reach=None, engagements=10, conversions=1)
    post(session, world, li, at(1, 10), "give", status="draft")
    post(session, world, li, at(1, 12), "ask", reach=1000, engagements=15, conversions=2)
    post(session, world, li, at(2, 2), "give", reach=500, engagements=40, conversions=0)
    for day in range(3, 11):
        post(session, world, li, at(2, day), "give")
    post(session, world, li, at(2, 11), "ask", reach=1000, engagements=20, conversions=10)
    post(session, world, blog.id, at(1, 15), "ask", clicks=3)
    post(session, world, blog.id, at(1, 20), "ask", reach=100, engagements=0, conversions=3)
    post(session, world, blog.id, at(1, 22), "ask", reach=300, engagements=3, conversions=3)
    session.commit()
    return blog.id


@pytest.fixture()
def seeded(session: Session, world: World) -> tuple[World, str, World]:
    blog = seed(session, world)
    # Another team's busy channel in the same months: never in this report.
    other = build_world(session, "Other team")
    for day in range(1, 20):
        post(session, other, other.channel_id, at(1, day), "ask" if day % 2 else "give",
             reach=10, engagements=9, conversions=99)
    session.commit()
    return world, blog, other


def get_report(client: TestClient, world: World, **params: str) -> dict[str, Any]:
    response = client.get(world.path("/reports/give-ask"), params=params or RANGE,
                          headers=world.auth("viewer"))
    assert response.status_code == 200, response.text
    return response.json()


def fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


class TestMonths:
    def test_all_channels_per_month(self, client, seeded):
        world, _blog, _other = seeded
        body = get_report(client, world)
        assert body["min_group"] == 5
        assert body["start"] == "2025-12-31T23:00:00Z"
        assert body["end"] == "2026-02-28T23:00:00Z"
        # January: LinkedIn 3 gives (5, 7, 8) and 3 asks, the blog 3 asks; drafts left out.
        # Gives' rate: only 5 Jan has both, 50/1000. Asks': (30+15+0+3)/(2000+1000+100+300)
        # = 48/3400 = 1.41 %; 9 Jan has no reach and stays out.
        # February: 9 gives, rate 40/500; 1 ask, 20/1000.
        assert body["months"] == [
            {"month": "2026-01", "posts": 9, "gives": 3, "asks": 6,
             "give_engagement_rate": 5.0, "ask_engagement_rate": 1.4},
            {"month": "2026-02", "posts": 10, "gives": 9, "asks": 1,
             "give_engagement_rate": 8.0, "ask_engagement_rate": 2.0},
        ]

    def test_per_channel_by_name(self, client, seeded):
        world, blog, _other = seeded
        body = get_report(client, world)
        assert [(c["channel_id"], c["name"]) for c in body["channels"]] == [
            (blog, "=Blog"), (world.channel_id, "LinkedIn – Acme")]
        # The blog's asks: 3/400 = 0.75 %, half up to 0.8; no gives: n/a (null).
        assert body["channels"][0]["months"] == [
            {"month": "2026-01", "posts": 3, "gives": 0, "asks": 3,
             "give_engagement_rate": None, "ask_engagement_rate": 0.8}]
        linkedin = body["channels"][1]["months"]
        assert [m["month"] for m in linkedin] == ["2026-01", "2026-02"]
        # LinkedIn's January asks: (30+15)/(2000+1000) = 1.5 %.
        assert linkedin[0]["ask_engagement_rate"] == 1.5


class TestGroups:
    def test_groups_computed_by_hand(self, client, seeded):
        world, _blog, _other = seeded
        groups = {g["group"]: g for g in get_report(client, world)["groups"]}
        assert list(groups) == ["0-2", "3-5", "6-8", "9+"]
        # 0-2: A2, A3, B1, B2, B3, all with results (B1 only clicks). Conversions known
        # for A2 1, A3 2, B2 3, B3 3: 9/4 = 2.25, half up to 2.3. Rate over A3, B2, B3
        # (A2 has no reach): 18/1400 = 1.29 %.
        assert groups["0-2"] == {"group": "0-2", "min_gives": 0, "max_gives": 2, "asks": 5,
                                 "asks_with_outcomes": 5, "mean_conversions": 2.3,
                                 "engagement_rate": 1.3, "enough": True}
        # 3-5: A1 alone; 9+: A4 alone. One ask each: too few to conclude.
        assert groups["3-5"] == {"group": "3-5", "min_gives": 3, "max_gives": 5, "asks": 1,
                                 "asks_with_outcomes": 1, "mean_conversions": 4.0,
                                 "engagement_rate": 1.5, "enough": False}
        assert groups["9+"] == {"group": "9+", "min_gives": 9, "max_gives": None, "asks": 1,
                                "asks_with_outcomes": 1, "mean_conversions": 10.0,
                                "engagement_rate": 2.0, "enough": False}
        # 6-8: no ask at all.
        assert groups["6-8"] == {"group": "6-8", "min_gives": 6, "max_gives": 8, "asks": 0,
                                 "asks_with_outcomes": 0, "mean_conversions": None,
                                 "engagement_rate": None, "enough": False}

    def test_one_group_with_enough_is_too_few_to_answer(self, client, seeded):
        world, _blog, _other = seeded
        answer = get_report(client, world)["answer"]
        assert answer["verdict"] == "too_few"
        assert (answer["fewer"], answer["more"]) == (None, None)
        assert "Too few asks with results" in answer["sentence"]

    def test_more_gives_answer_yes(self, client, session, world):
        # Five asks after no give (1 conversion each) and five after nine gives (7 each),
        # on two channels so the rules never mind; 7.0 > 1.0.
        quiet = Channel(workspace_id=world.workspace_id, name="Quiet", platform="other")
        session.add(quiet)
        session.flush()
        for day in range(1, 6):
            post(session, world, quiet.id, at(1, day), "ask", conversions=1)
        for ask in range(5):
            day = at(1, 10 + ask)
            for hour in range(9):
                post(session, world, world.channel_id, day.replace(hour=hour), "give")
            post(session, world, world.channel_id, day.replace(hour=20), "ask", conversions=7)
        session.commit()
        answer = get_report(client, world)["answer"]
        assert answer["verdict"] == "yes"
        assert (answer["fewer"], answer["more"]) == ("0-2", "9+")
        assert answer["sentence"] == ("Yes: asks after 9 or more gives brought 7.0 conversions "
                                      "on average, asks after 0–2 gives 1.0.")

    def test_german_sentence_has_a_decimal_comma(self, client, session, world):
        quiet = Channel(workspace_id=world.workspace_id, name="Quiet", platform="other")
        session.add(quiet)
        session.flush()
        for day in range(1, 6):
            post(session, world, quiet.id, at(1, day), "ask", conversions=1)
        for day in range(1, 6):
            post(session, world, world.channel_id, at(1, day), "give")
            post(session, world, world.channel_id, at(1, day + 10), "ask", conversions=2)
            for extra in range(3):
                post(session, world, world.channel_id,
                     at(1, day + 10).replace(hour=10 + extra), "give")
        session.commit()
        response = client.get(world.path("/reports/give-ask"), params=RANGE,
                              headers={**world.auth("viewer"), "Accept-Language": "de"})
        answer = response.json()["answer"]
        assert answer["verdict"] == "yes", answer
        assert "2,0" in answer["sentence"] and "1,0" in answer["sentence"]


class TestRhythmWeeks:
    def test_on_and_off_rhythm_weeks(self, client, seeded):
        world, blog, _other = seeded
        rhythm = get_report(client, world)["rhythm"]
        # Whole weeks: from Monday 29 Dec to Monday 2 Mar.
        assert (rhythm["start"], rhythm["end"]) == ("2025-12-28T23:00:00Z",
                                                    "2026-03-01T23:00:00Z")
        rows = {r["channel_id"]: r for r in rhythm["channels"]}
        # LinkedIn: the weeks of 5 Jan (A1, A2 too soon after the last ask) and 12 Jan
        # (A3) are off rhythm; 2 Feb (gives only) and 9 Feb (A4 after nine gives) on.
        # On: 10 posts; conversions known 0 and 10: 5.0; rate (40+20)/(500+1000) = 4 %.
        # Off: 6 published posts; conversions 0, 4, 1, 2: 7/4 = 1.75 -> 1.8;
        # rate (50+30+15)/(1000+2000+1000) = 2.375 % -> 2.4.
        assert rows[world.channel_id]["on"] == {"weeks": 2, "posts": 10, "with_outcomes": 2,
                                                "mean_conversions": 5.0, "engagement_rate": 4.0}
        assert rows[world.channel_id]["off"] == {"weeks": 2, "posts": 6, "with_outcomes": 4,
                                                 "mean_conversions": 1.8,
                                                 "engagement_rate": 2.4}
        # The blog asks while listening, in the weeks of 12 and 19 Jan: both off.
        assert rows[blog]["on"] == {"weeks": 0, "posts": 0, "with_outcomes": 0,
                                    "mean_conversions": None, "engagement_rate": None}
        assert rows[blog]["off"] == {"weeks": 2, "posts": 3, "with_outcomes": 3,
                                     "mean_conversions": 3.0, "engagement_rate": 0.8}


class TestCsv:
    def test_the_csv_holds_the_json(self, client, seeded):
        world, _blog, _other = seeded
        body = get_report(client, world)
        response = client.get(world.path("/reports/give-ask.csv"), params=RANGE,
                              headers=world.auth("viewer"))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        assert response.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))

        def number(value: float | None) -> str:
            return "n/a" if value is None else str(value)

        months = [r for r in rows if r["table"] == "month"]
        assert [(r["month"], int(r["posts"]), int(r["gives"]), int(r["asks"]),
                 r["give_engagement_rate_percent"], r["ask_engagement_rate_percent"])
                for r in months] == [
            (m["month"], m["posts"], m["gives"], m["asks"], number(m["give_engagement_rate"]),
             number(m["ask_engagement_rate"])) for m in body["months"]]
        groups = [r for r in rows if r["table"] == "group"]
        assert [(r["group"], int(r["asks"]), int(r["asks_with_outcomes"]),
                 r["mean_conversions"], r["engagement_rate_percent"], r["enough"])
                for r in groups] == [
            (g["group"], g["asks"], g["asks_with_outcomes"], number(g["mean_conversions"]),
             number(g["engagement_rate"]), "yes" if g["enough"] else "no")
            for g in body["groups"]]
        assert [r["note"] for r in groups] == [
            "", *["Too few asks with results to conclude anything (fewer than 5)."] * 3]
        rhythm = [(r["channel"], r["rhythm"], int(r["weeks"]), int(r["posts"]),
                   int(r["posts_with_outcomes"]), r["mean_conversions"],
                   r["engagement_rate_percent"])
                  for r in rows if r["table"] == "rhythm"]
        # The channel a spreadsheet would run as a formula is guarded.
        assert rhythm == [
            (("'" if c["name"].startswith("=") else "") + c["name"], side, c[side]["weeks"],
             c[side]["posts"], c[side]["with_outcomes"], number(c[side]["mean_conversions"]),
             number(c[side]["engagement_rate"]))
            for c in body["rhythm"]["channels"] for side in ("on", "off")]
        assert [r["note"] for r in rows if r["table"] == "answer"] == [
            body["answer"]["sentence"]]

    def test_a_semicolon_csv_writes_decimal_commas(self, client, seeded):
        world, _blog, _other = seeded
        body = get_report(client, world)
        response = client.get(world.path("/reports/give-ask.csv"),
                              params={**RANGE, "separator": "semicolon"},
                              headers=world.auth("viewer"))
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")),
                                   delimiter=";"))
        means = [r["mean_conversions"] for r in rows if r["table"] == "group"]
        assert means == ["n/a" if g["mean_conversions"] is None
                         else str(g["mean_conversions"]).replace(".", ",")
                         for g in body["groups"]]
        assert any("," in m for m in means)

    def test_an_unknown_separator_is_a_422_naming_it(self, client, seeded):
        world, _blog, _other = seeded
        response = client.get(world.path("/reports/give-ask.csv"),
                              params={**RANGE, "separator": "|"},
                              headers=world.auth("viewer"))
        assert response.status_code == 422
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in problem["errors"]] == ["separator"]


class TestRangeAndAccess:
    def test_default_range_is_twelve_months(self, client, world):
        body = client.get(world.path("/reports/give-ask"), headers=world.auth("viewer")).json()
        assert len(body["months"]) == 12
        assert all(m["posts"] == 0 for m in body["months"])
        assert body["answer"]["verdict"] == "too_few"

    @pytest.mark.parametrize(("params", "field"), [
        ({"start": "2026-03-01T00:00:00+01:00", "end": "2026-01-01T00:00:00+01:00"},
         "query.end"),
        ({"start": "2024-01-01T00:00:00+01:00", "end": "2026-01-02T00:00:00+01:00"},
         "query.end"),
        ({"start": "2026-01-01T00:00:00", "end": "2026-03-01T00:00:00+01:00"}, "query.start"),
        ({"start": "soon", "end": "2026-03-01T00:00:00+01:00"}, "query.start"),
    ])
    def test_bad_ranges_name_their_field(self, client, world, params, field):
        response = client.get(world.path("/reports/give-ask"), params=params,
                              headers=world.auth("viewer"))
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert fields(response) == [field]

    def test_twenty_four_months_is_allowed(self, client, world):
        response = client.get(world.path("/reports/give-ask"), headers=world.auth("viewer"),
                              params={"start": "2024-01-01T00:00:00+01:00",
                                      "end": "2026-01-01T00:00:00+01:00"})
        assert response.status_code == 200, response.text
        assert len(response.json()["months"]) == 24

    def test_another_workspace_is_not_found(self, client, seeded, session):
        world, _blog, _other = seeded
        other = build_world(session, "Third team")
        for path in ("/reports/give-ask", "/reports/give-ask.csv"):
            response = client.get(world.path(path), headers=other.auth("admin"))
            assert response.status_code == 404
        assert client.get(world.path("/reports/give-ask")).status_code == 401

    def test_the_other_team_sees_only_its_own(self, client, seeded, session):
        other = seeded[2]
        groups = get_report(client, other)["groups"]
        # Its ten asks, each after one give (or none): 99 conversions each.
        assert (groups[0]["asks"], groups[0]["mean_conversions"]) == (10, 99.0)
        assert [g["asks"] for g in groups[1:]] == [0, 0, 0]


def test_gives_carried_in_are_the_same_however_the_channels_are_grouped(
        client, seeded, monkeypatch):
    """The gives before the range are read for many channels per statement; a
    statement per channel gives the same groups."""
    from app.services import report as report_service

    world, _blog, _other = seeded
    together = get_report(client, world)["groups"]
    monkeypatch.setattr(report_service, "CARRIED_CHUNK", 1)
    one_by_one = get_report(client, world)["groups"]
    assert one_by_one == together
    assert sum(g["asks"] for g in together) > 0
