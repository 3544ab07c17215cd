"""Findings in the reader's language: the API by Accept-Language, else the
workspace's language; the same codes, details and posts in every language,
and one cached analysis serving readers of both."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.models import Workspace
from tests.api.test_analysis import LONG_AGO, MONDAY, day, of_code, plan, set_started_on
from tests.conftest import World

WEEKS = (MONDAY.replace(hour=0), day(14, 0))  # two whole local weeks: the cached range
ENGLISH_WORDS = (" the rhythm ", " posts ", " asks for ", " since the last ")


def findings(client, world: World, language: str | None,  # type: ignore[no-untyped-def]
             path: str = "/findings") -> list[dict[str, Any]]:
    headers = world.auth("viewer")
    if language:
        headers["Accept-Language"] = language
    response = client.get(world.path(path), headers=headers, params={
        "start": WEEKS[0].isoformat(), "end": WEEKS[1].isoformat()})
    assert response.status_code == 200, response.text
    body = response.json()
    found = body["items"] if path == "/findings" else body["findings"]
    for finding in found:  # the fixes come in the reader's language too, tested elsewhere
        finding.pop("suggestions", None)
        finding.pop("weeks", None)
    return list(found)


def machine_part(found: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(f["code"], f["post_ids"], f["start"], f["end"], f["details"]) for f in found]


class TestFindingsInGerman:
    def test_the_same_findings_told_in_each_language(self, client, world):
        set_started_on(client, world, LONG_AGO)
        plan(client, world, "ggggggggaa")  # two asks a day apart: the second too soon
        english = findings(client, world, None)
        german = findings(client, world, "de-DE,de;q=0.9")
        assert machine_part(german) == machine_part(english)
        too_soon_en = of_code(english, "ask_too_soon")[0]["message"]
        too_soon_de = of_code(german, "ask_too_soon")[0]["message"]
        assert too_soon_en == ("No gives since the last ask on Tue 10 Nov; "
                               "the rhythm asks for 9.")
        assert too_soon_de == ("Kein Geben-Beitrag seit der letzten Bitte am Di., 10. Nov.; "
                               "der Rhythmus verlangt 9.")
        for finding in german:
            assert not any(word in finding["message"] for word in ENGLISH_WORDS), finding

    def test_one_cached_analysis_serves_both_languages(self, client, world):
        set_started_on(client, world, LONG_AGO)
        plan(client, world, "gggaggga")
        rounds = [findings(client, world, lang, "/calendar") for lang in ("de", "en", "de", "en")]
        assert rounds[0] == rounds[2] and rounds[1] == rounds[3]
        assert machine_part(rounds[0]) == machine_part(rounds[1])
        assert rounds[0] and all(a["message"] != b["message"]
                                 for a, b in zip(rounds[0], rounds[1], strict=True))
        assert any("Geben-Beiträge" in f["message"] for f in rounds[0])

    def test_a_script_without_accept_language_reads_the_teams_language(
            self, client, world, session: Session):
        set_started_on(client, world, LONG_AGO)
        plan(client, world, "ggggggggaa")
        workspace = session.get(Workspace, world.workspace_id)
        assert workspace is not None
        workspace.language = "de"
        session.add(workspace)
        session.flush()
        team = of_code(findings(client, world, None), "ask_too_soon")[0]["message"]
        assert team.startswith("Kein Geben-Beitrag seit der letzten Bitte")
        asked = of_code(findings(client, world, "en"), "ask_too_soon")[0]["message"]
        assert asked.startswith("No gives since the last ask")

    def test_what_if_answers_in_the_readers_language(self, client, world):
        set_started_on(client, world, LONG_AGO)
        plan(client, world, "gggggggga")
        body = {"action": "create", "post": {
            "channel_id": world.channel_id, "scheduled_at": day(9, 10).isoformat(),
            "kind": "ask", "category": "offer", "text": "Another offer"}}
        headers = {**world.auth("editor"), "Accept-Language": "de"}
        answer = client.post(world.path("/check"), json=body, headers=headers)
        assert answer.status_code == 200, answer.text
        added = of_code(answer.json()["added"], "ask_too_soon")
        assert added and added[0]["message"].startswith("Kein Geben-Beitrag seit der letzten Bitte")

    def test_fixes_and_the_next_slot_speak_german_too(self, client, world):
        from tests.api import test_suggestions_api as ahead  # plans ahead of now

        posts = ahead.plan(client, world)
        headers = {**world.auth("viewer"), "Accept-Language": "de"}
        found = client.get(world.path("/findings"), headers=headers, params={
            "start": ahead.at(0, 0).isoformat(), "end": ahead.at(28, 0).isoformat()})
        too_soon = next(f for f in found.json()["items"] if f["code"] == "ask_too_soon")
        assert too_soon["post_ids"] == [posts["too_soon"]["id"]]
        summaries = [s["summary"] for s in too_soon["suggestions"]]
        assert summaries[0].startswith("Verschiebe diese Bitte auf ")
        assert summaries[-1] == "Mach diese Bitte zu einem Geben-Beitrag (letzter Ausweg)"
        slot = client.get(world.path(f"/channels/{world.channel_id}/next-slot"), headers=headers,
                          params={"kind": "ask", "after": ahead.at(0, 0).isoformat()})
        assert slot.status_code == 200, slot.text
        assert slot.json()["reason"].startswith("Eine Bitte passt am "), slot.json()
