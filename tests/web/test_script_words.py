"""The words the browser's scripts show and the post categories, in the reader's
language: the scripts read theirs from a JSON block of the page, categories go
by their labels while the forms still submit their names."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app import i18n
from app.rules.facts import CATEGORIES
from app.web.categories import category_label
from tests.web.test_planner import sign_in

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}
BLOCK = re.compile(r'<script type="application/json" id="giveask-words">(.*?)</script>', re.S)


def words_of(page: str) -> dict:  # type: ignore[type-arg]
    found = BLOCK.findall(page)
    assert len(found) == 1, "one words block on the page"
    return dict(json.loads(found[0]))


def post_with(client, world, category: str, text: str = "A useful tip"):  # type: ignore[no-untyped-def]
    when = (datetime.now(UTC) + timedelta(days=10)).replace(hour=9, minute=0, second=0,
                                                            microsecond=0)
    made = client.post(world.path("/posts"), headers=world.auth("editor"), json={
        "channel_id": world.channel_id, "scheduled_at": when.isoformat(),
        "kind": "give" if category in ("share", "help", "engage", "personal") else "ask",
        "category": category, "text": text})
    assert made.status_code == 201, made.text
    return made.json()


def option_of(page: str, select_id: str, value: str) -> str:
    """The text of one option of a select, as the reader sees it."""
    select = page.split(f'id="{select_id}"')[1].split("</select>")[0]
    found = re.search(rf'<option value="{value}"[^>]*>([^<]*)</option>', select)
    assert found, (select_id, value)
    return html.unescape(found.group(1))


class TestTheScriptsWords:
    def test_german_words_for_the_counter_the_copy_button_and_the_upload(self, client, world):
        words = words_of(client.get("/login", headers=GERMAN).text)
        assert words == {
            "characters": {"one": "{count} Zeichen", "other": "{count} Zeichen"},
            "over": "{count} zu viel",
            "copied": "Kopiert",
            "sending": "Die Datei wird gesendet …",
            "sending_percent": "Die Datei wird gesendet … {percent}",
        }

    def test_english_words_with_both_plural_forms(self, client, world):
        words = words_of(client.get("/login", headers=ENGLISH).text)
        assert words["characters"] == {"one": "{count} character", "other": "{count} characters"}
        assert words["over"] == "{count} over"
        assert words["copied"] == "Copied"
        assert words["sending"] == "Sending the file…"
        assert words["sending_percent"] == "Sending the file… {percent}"

    def test_the_block_is_on_the_pages_that_load_the_scripts(self, client, world):
        sign_in(client, world, "admin")
        for path in ("calendar", "feeds", "webhooks", "import", "rules"):
            page = client.get(f"/w/{world.workspace_id}/{path}", headers=GERMAN)
            assert page.status_code == 200, path
            assert words_of(page.text)["copied"] == "Kopiert", path

    def test_the_block_is_data_the_policy_does_not_have_to_allow(self, client, world):
        page = client.get("/login", headers=GERMAN)
        policy = page.headers["content-security-policy"]
        assert "script-src 'self';" in policy
        assert BLOCK.search(page.text)


class TestCounter:
    def test_the_servers_counter_in_german_digits(self, client, world):
        post = post_with(client, world, "share", text="x" * 1234)
        sign_in(client, world, "editor")
        page = client.get(f"/w/{world.workspace_id}/posts/{post['id']}/edit", headers=GERMAN)
        assert '<p class="text-counter" id="text-counter" aria-live="polite">1.234 / 3.000</p>' \
            in page.text
        english = client.get(f"/w/{world.workspace_id}/posts/{post['id']}/edit", headers=ENGLISH)
        assert "1,234 / 3,000</p>" in english.text


class TestCategoryLabels:
    def test_every_category_has_its_german_word(self):
        with i18n.speaking("de"):
            labels = {name: category_label(name) for name in CATEGORIES}
        assert labels == {"share": "Teilen", "help": "Helfen", "engage": "Mitmachen",
                          "personal": "Persönliches", "correction": "Korrektur",
                          "offer": "Angebot",
                          "event": "Veranstaltung", "sale": "Verkauf",
                          "news": "Neuigkeiten", "request": "Aufruf"}
        with i18n.speaking("en"):
            assert [category_label(name) for name in CATEGORIES] == list(CATEGORIES)
        assert category_label(None) == "" and category_label("") == ""
        assert category_label("unheard-of") == "unheard-of"

    def test_the_dialogs_select_shows_labels_and_submits_names(self, client, world):
        sign_in(client, world, "editor")
        page = client.get(f"/w/{world.workspace_id}/posts/new", headers=GERMAN).text
        assert option_of(page, "f-category", "share") == "Teilen"
        assert option_of(page, "f-category", "request") == "Aufruf"
        assert option_of(page, "f-category", "event") == "Veranstaltung"
        english = client.get(f"/w/{world.workspace_id}/posts/new", headers=ENGLISH).text
        assert option_of(english, "f-category", "share") == "share"
        assert option_of(english, "f-category", "request") == "request"

    def test_a_card_in_the_calendar_shows_the_label(self, client, world):
        post = post_with(client, world, "event")
        sign_in(client, world, "editor")
        day = datetime.fromisoformat(post["scheduled_at"]).astimezone(ZoneInfo("UTC")).date()
        calendar = f"/w/{world.workspace_id}/calendar?date={day.isoformat()}"
        german = client.get(calendar, headers=GERMAN).text
        card = german.split(f'id="post-{post["id"]}"')[1].split("</article>")[0]
        assert '<span class="category">Veranstaltung</span>' in card
        english = client.get(calendar, headers=ENGLISH).text
        card = english.split(f'id="post-{post["id"]}"')[1].split("</article>")[0]
        assert '<span class="category">event</span>' in card

    def test_the_rules_page_labels_the_category_shares(self, client, world):
        sign_in(client, world, "lead")
        page = client.get(f"/w/{world.workspace_id}/rules", headers=GERMAN).text
        assert '<label for="f-cat_share">Teilen</label>' in page
        assert '<label for="f-cat_personal">Persönliches</label>' in page
        assert 'name="cat_share"' in page and 'name="cat_personal"' in page
        english = client.get(f"/w/{world.workspace_id}/rules", headers=ENGLISH).text
        assert '<label for="f-cat_share">share</label>' in english

    def test_a_series_form_submits_the_name_it_labels(self, client, world):
        sign_in(client, world, "editor")
        page = client.get(f"/w/{world.workspace_id}/series", headers=GERMAN)
        assert page.status_code == 200
        assert option_of(page.text, "r-category", "help") == "Helfen"
        assert option_of(page.text, "r-category", "sale") == "Verkauf"
