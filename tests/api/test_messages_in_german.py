"""Refusals in the caller's language: with Accept-Language: de the problem's
title, detail and field messages are German; the field names, the problem types
and the extra members stay as they are, and without the header it is English."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from app import i18n
from app.errors import field_errors
from app.schemas import TEXT_MAX, PostCreate
from tests.conftest import World

GERMAN = {"Accept-Language": "de"}


def new_post(world: World, **fields: object) -> dict[str, object]:
    body: dict[str, object] = {"channel_id": world.channel_id,
                               "scheduled_at": "2026-11-24T09:00:00+01:00", "kind": "give",
                               "category": "share", "text": "Five roasters worth a visit."}
    body.update(fields)
    return body


def create(client: Any, world: World, body: dict[str, object], *, role: str = "editor",
           german: bool = True) -> Any:
    headers = {**world.auth(role), **(GERMAN if german else {})}
    return client.post(world.path("/posts"), json=body, headers=headers)


def messages(response: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


class TestValidationInGerman:
    def test_a_bad_kind_names_the_field_and_says_it_in_german(self, client, world):
        response = create(client, world, new_post(world, kind="promo", category=None))
        assert response.status_code == 422
        problem = response.json()
        assert problem["type"].endswith("/validation")
        assert problem["title"] == "Ungültige Eingabe"
        # The values to send stay as the API spells them; the words around them are German.
        assert messages(response) == {"kind": "muss 'give' oder 'ask' sein"}
        assert problem["detail"] == "kind: muss 'give' oder 'ask' sein"

    def test_a_missing_field_is_missing_in_german(self, client, world):
        body = new_post(world)
        del body["text"]
        response = create(client, world, body)
        assert response.status_code == 422
        assert messages(response) == {"text": "fehlt"}

    def test_a_field_the_resource_does_not_have(self, client, world):
        response = create(client, world, new_post(world, colour="red"))
        assert messages(response) == {"colour": "ist kein Feld dieser Ressource"}

    def test_a_text_too_long_counts_in_german(self, client, world):
        response = create(client, world, new_post(world, text="x" * (TEXT_MAX + 1)))
        assert response.status_code == 422
        assert messages(response) == {
            "text": f"darf höchstens {TEXT_MAX} Zeichen haben (dieser hat {TEXT_MAX + 1})"}

    def test_a_text_too_long_for_the_platform(self, client, world):
        # The world's channel is LinkedIn, whose limit is far below the schema's.
        response = create(client, world, new_post(world, text="x" * 3500))
        assert response.status_code == 422
        message = messages(response)["text"]
        assert message.startswith("Beiträge auf LinkedIn dürfen höchstens")
        assert message.endswith("dieser hat 3500.")

    def test_a_category_of_the_other_kind_names_the_kind_in_german(self, client, world):
        response = create(client, world, new_post(world, kind="give", category="sale"))
        assert response.status_code == 422
        message = messages(response)["category"]
        assert message.startswith("'sale' ist keine Kategorie für einen Beitrag der Art Geben")

    def test_a_time_without_offset(self, client, world):
        response = create(client, world, new_post(world, scheduled_at="2026-11-24T09:00:00"))
        assert messages(response)["scheduled_at"].startswith("eine Zeit braucht einen Versatz")

    def test_a_bad_json_body(self, client, world):
        response = client.post(world.path("/posts"), content=b"{", headers={
            **world.auth("editor"), **GERMAN, "Content-Type": "application/json"})
        assert response.status_code == 400
        assert response.json()["title"] == "Fehlerhaftes JSON"
        assert response.json()["errors"] == [{"field": "body", "message": "ist kein gültiges JSON"}]

    def test_a_nul_byte_is_refused_in_german_before_routing(self, client, world):
        response = create(client, world, new_post(world, text="a\u0000b"))
        assert response.status_code == 422
        assert messages(response) == {"text": "darf keine NUL-Bytes (\\u0000) enthalten"}

    def test_a_limit_out_of_range(self, client, world):
        response = client.get(world.path("/posts?limit=0"), headers={**world.auth("viewer"),
                                                                      **GERMAN})
        assert response.status_code == 422
        assert messages(response) == {"query.limit": "muss zwischen 1 und 500 liegen"}


class TestRefusalsInGerman:
    def test_no_such_post(self, client, world):
        response = client.get(world.path("/posts/nope"), headers={**world.auth("viewer"),
                                                                  **GERMAN})
        assert response.status_code == 404
        problem = response.json()
        assert problem["type"].endswith("/not-found")
        assert problem["title"] == "Nicht gefunden"
        assert problem["detail"] == "Kein Beitrag nope in diesem Arbeitsbereich."

    def test_no_such_address(self, client, world):
        response = client.get("/api/v1/nothing-here", headers=GERMAN)
        assert response.status_code == 404
        assert response.json()["detail"] == "Unter /api/v1/nothing-here gibt es nichts."

    def test_a_foreign_workspace(self, client, world):
        response = client.get("/api/v1/workspaces/elsewhere/posts",
                              headers={**world.auth("viewer"), **GERMAN})
        assert response.status_code == 404
        assert response.json()["detail"] == "Kein Arbeitsbereich elsewhere."

    def test_a_role_refusal_names_the_role_in_german(self, client, world):
        response = create(client, world, new_post(world), role="viewer")
        assert response.status_code == 403
        problem = response.json()
        assert problem["title"] == "Nicht erlaubt"
        assert problem["detail"] == (
            "Deine Rolle hier ist „Nur lesen“; Beiträge, Kanäle und Geschichten planen darf "
            "erst, wer mindestens die Rolle „Redaktion“ hat.")
        # The codes stay codes.
        assert problem["role"] == "viewer"
        assert problem["required_role"] == "editor"

    def test_a_bad_token(self, client, world):
        response = client.get(world.path("/posts"), headers={
            "Authorization": "Bearer gka_nope", **GERMAN})
        assert response.status_code == 401
        assert response.json()["title"] == "Nicht angemeldet"
        assert response.json()["detail"].startswith("Das Token ist nicht gültig")

    def test_a_stale_version_is_a_412_in_german(self, client, world):
        post = create(client, world, new_post(world)).json()
        response = client.patch(world.path(f"/posts/{post['id']}"), json={"text": "Changed."},
                                headers={**world.auth("editor"), **GERMAN, "If-Match": '"7"'})
        assert response.status_code == 412
        problem = response.json()
        assert problem["type"].endswith("/stale-version")
        assert problem["title"] == "Von jemand anderem geändert"
        assert problem["detail"] == (
            "Das hat inzwischen jemand anderes geändert (du hattest Version 7, jetzt ist es "
            "Version 1). Lade es neu und mach deine Änderung noch einmal.")
        assert problem["current_version"] == 1

    def test_a_conflict_on_a_published_post_is_a_409_in_german(self, client, world):
        post = create(client, world, new_post(world)).json()
        path = world.path(f"/posts/{post['id']}")
        response = client.post(path + "/approve", headers={**world.auth("lead"), **GERMAN})
        assert response.status_code == 409
        problem = response.json()
        assert problem["title"] == "Konflikt"
        assert problem["detail"] == ("Dieser Beitrag ist ein Entwurf; freigeben lassen sich "
                                     "nur eingereichte Beiträge.")

    def test_a_bad_if_match(self, client, world):
        post = create(client, world, new_post(world)).json()
        response = client.patch(world.path(f"/posts/{post['id']}"), json={"text": "Changed."},
                                headers={**world.auth("editor"), **GERMAN, "If-Match": "soon"})
        assert response.status_code == 400
        assert response.json()["field"] == "header.If-Match"
        assert response.json()["detail"].startswith("If-Match muss ein ETag sein")


class TestEnglishStaysAsItWas:
    def test_a_bad_kind(self, client, world):
        response = create(client, world, new_post(world, kind="promo", category=None),
                          german=False)
        assert response.json()["title"] == "Invalid input"
        assert messages(response) == {"kind": "Input should be 'give' or 'ask'"}

    def test_a_missing_field_and_a_long_text(self, client, world):
        body = new_post(world, text="x" * (TEXT_MAX + 1))
        del body["kind"]
        response = create(client, world, body, german=False)
        assert messages(response) == {
            "kind": "is required",
            "text": f"must be at most {TEXT_MAX} characters (it has {TEXT_MAX + 1})"}

    def test_a_role_refusal(self, client, world):
        response = create(client, world, new_post(world), role="viewer", german=False)
        assert response.json()["title"] == "Not allowed"
        assert response.json()["detail"] == (
            "Your role here is viewer; only an editor or above may plan posts, channels and "
            "stories.")

    def test_a_stale_version(self, client, world):
        post = create(client, world, new_post(world), german=False).json()
        response = client.patch(world.path(f"/posts/{post['id']}"), json={"text": "Changed."},
                                headers={**world.auth("editor"), "If-Match": '"7"'})
        assert response.json()["title"] == "Changed by someone else"
        assert response.json()["detail"] == (
            "This was changed by someone else (you had version 7, it is now version 1). "
            "Reload it and apply your change again.")

    def test_a_browser_asking_for_another_language_gets_english(self, client, world):
        response = client.get(world.path("/posts/nope"), headers={
            **world.auth("viewer"), "Accept-Language": "fr"})
        assert response.json()["detail"] == "No post nope in this workspace."


class _Limits(BaseModel):
    ratio: float = 1.0
    count: int = 1
    tags: list[str] = []


@pytest.mark.parametrize("data", [
    {"ratio": "x"}, {"count": "x"}, {"count": 1.5}, {"tags": "x"}, {"count": []},
    {"ratio": []},
])
def test_pydantic_words_are_pydantic_own_in_english(data):
    """In English a worded error type reads exactly as pydantic wrote it."""
    with pytest.raises(ValidationError) as caught:
        _Limits.model_validate(data)
    assert [e.message for e in field_errors(caught.value.errors())] == [
        e["msg"] for e in caught.value.errors()]


def test_pydantic_bounds_are_written_as_the_reader_writes_numbers():
    with pytest.raises(ValidationError) as caught:
        PostCreate.model_validate({"channel_id": "c", "scheduled_at": "2026-11-24T09:00:00Z",
                                   "kind": "give", "text": "t", "episode": 0})
    with i18n.speaking("de"):
        assert [e.message for e in field_errors(caught.value.errors())] == [
            "muss mindestens 1 sein"]


class TestWordsOfTheRulesAndTheMail:
    """What code that knows no language raises (the rules) and what is mailed."""

    def test_a_series_rule_refusal_in_german(self, client, world):
        body = {"channel_id": world.channel_id, "name": "Tipp am Montag", "kind": "give",
                "text": "Ein Tipp", "rrule": "FREQ=HOURLY", "starts_on": "2026-03-16",
                "time": "09:00", "count": 4}
        german = client.post(world.path("/series"), json=body,
                             headers={**world.auth("editor"), **GERMAN})
        assert german.status_code == 422
        assert messages(german) == {
            "rrule": "eine Serie wiederholt sich höchstens einmal am Tag (FREQ=DAILY)"}
        english = client.post(world.path("/series"), json=body, headers=world.auth("editor"))
        assert messages(english) == {"rrule": "a series repeats at most once a day (FREQ=DAILY)"}

    def test_a_rules_profile_refusal_in_german(self, client, world):
        response = client.put(world.path("/rules"), headers={**world.auth("lead"), **GERMAN},
                              json={"preset": "beth_dunn",
                                    "overrides": {"min_gives_between_asks": -3}})
        assert response.status_code == 422, response.text
        assert response.json()["title"] == "Ungültige Eingabe"
        assert messages(response) == {"overrides.min_gives_between_asks": "muss mindestens 0 sein"}

    def test_an_invitation_mail_speaks_its_readers_language(self, session, world):
        from datetime import UTC, datetime, timedelta

        from sqlmodel import select

        from app.models import OutboxMessage, User, Workspace
        from app.services import members, users
        from app.services.access import Principal, workspace_access

        workspace = session.get(Workspace, world.workspace_id)
        workspace.language = "de"
        session.add(workspace)
        admin = session.exec(select(User).where(User.email == world.users["admin"])).one()
        access = workspace_access(session=session, principal=Principal(user_id=admin.id),
                                  workspace_id=world.workspace_id)
        english = users.create_user(session=session, email="reader@example.test",
                                    password="a long enough password 1")
        english.language = "en"
        session.add(english)
        session.flush()

        def mail_to(email: str) -> dict[str, str]:
            members.invite(session=session, access=access, email=email, role="editor",
                           now=datetime.now(UTC), valid_for=timedelta(days=7),
                           link_base="http://giveask.test", send_mail=True)
            rows = session.exec(select(OutboxMessage)).all()
            return next(r.payload for r in rows if r.payload["to"] == email)

        new_reader = mail_to("neu@example.test")  # no account: the team's language
        assert new_reader["subject"] == "Du bist zu Acme auf Giveask eingeladen"
        assert "als Redaktion" in new_reader["body"]
        assert "innerhalb von 7 Tagen" in new_reader["body"]
        known = mail_to("reader@example.test")  # an account that chose English
        assert known["subject"] == "You're invited to Acme on Giveask"
        assert "as editor" in known["body"]
