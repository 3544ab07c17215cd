"""The pages show the services' refusals in the reader's language, next to the
field they name; the dialog's own wordings (a blank text, a missing field) are
chosen by what went wrong, not by the words of the English message."""

from __future__ import annotations

import html

from sqlmodel import func, select

from app.models import Post
from tests.web.test_planner import form, sign_in

GERMAN = {"Accept-Language": "de"}


def post_count(session) -> int:  # type: ignore[no-untyped-def]
    return session.exec(select(func.count()).select_from(Post)).one()


def in_german(client) -> None:  # type: ignore[no-untyped-def]
    client.headers.update(GERMAN)


def field_error(text: str, name: str) -> str:
    """The words shown next to a field of the post dialog."""
    block = text.split(f'id="{name}-error"')[1].split(">", 1)[1].split("</", 1)[0]
    return html.unescape(block).strip()


class TestPostDialogInGerman:
    def test_a_blank_text_gets_the_dialogs_own_words(self, client, world, session):
        in_german(client)
        csrf = sign_in(client, world)
        before = post_count(session)
        response = client.post(f"/w/{world.workspace_id}/posts", data=form(world, csrf, text=" "))
        assert response.status_code == 422
        assert field_error(response.text, "text") == "Schreib den Text des Beitrags."
        assert post_count(session) == before

    def test_a_text_too_long_for_the_channel(self, client, world, session):
        in_german(client)
        csrf = sign_in(client, world)
        response = client.post(f"/w/{world.workspace_id}/posts",
                               data=form(world, csrf, text="x" * 3500))
        assert response.status_code == 422
        message = field_error(response.text, "text")
        assert message.startswith("Beiträge auf LinkedIn dürfen höchstens")
        assert message.endswith("dieser hat 3500.")

    def test_a_category_of_the_other_kind(self, client, world):
        in_german(client)
        csrf = sign_in(client, world)
        response = client.post(f"/w/{world.workspace_id}/posts",
                               data=form(world, csrf, category="sale"))
        assert response.status_code == 422
        assert field_error(response.text, "category").startswith(
            "'sale' ist keine Kategorie für einen Beitrag der Art Geben")

    def test_a_kind_left_out_gets_the_dialogs_words(self, client, world):
        in_german(client)
        csrf = sign_in(client, world)
        response = client.post(f"/w/{world.workspace_id}/posts",
                               data=form(world, csrf, kind=""))
        assert response.status_code == 422
        assert field_error(response.text, "kind") == "Wähle Geben oder Bitten."

    def test_english_as_before(self, client, world):
        csrf = sign_in(client, world)
        blank = client.post(f"/w/{world.workspace_id}/posts", data=form(world, csrf, text=" "))
        assert field_error(blank.text, "text") == "Write the post's text."
        long = client.post(f"/w/{world.workspace_id}/posts",
                           data=form(world, csrf, text="x" * 3500))
        assert field_error(long.text, "text").startswith("LinkedIn posts can be at most")


class TestRefusalPagesInGerman:
    def test_a_viewer_adding_a_channel_reads_why_in_german(self, client, world):
        in_german(client)
        csrf = sign_in(client, world, "viewer")
        response = client.post(f"/w/{world.workspace_id}/channels", data={
            "csrf_token": csrf, "name": "Mastodon – Acme", "platform": "mastodon",
            "started_on": ""}, follow_redirects=False)
        assert response.status_code == 403
        text = html.unescape(response.text)
        assert "Nicht erlaubt" in text
        assert ("Deine Rolle hier ist „Nur lesen“; Beiträge, Kanäle und Geschichten planen "
                "darf erst, wer mindestens die Rolle „Redaktion“ hat.") in text
