"""Which language a reader gets (app/i18n.py)."""

from __future__ import annotations

import threading

import pytest

from app import i18n


@pytest.mark.parametrize(("header", "language"), [
    ("de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7", "de"),
    ("en-US,en;q=0.9,de;q=0.8", "en"),
    ("fr-FR,fr;q=0.9,de;q=0.5", "de"),           # French first, which we lack
    ("en;q=0.2, de-AT;q=0.8", "de"),             # by quality, not by order
    ("de-CH", "de"),
    ("fr, it", None),
    ("*", None),
    ("", None),
    (None, None),
    ("de;q=0, en", "en"),                        # q=0 means "not this one"
    ("de;q=abc, en", "en"),                      # a broken q-value is passed over
    ("x-klingon, 12345, ;;;, de", "de"),         # junk tags are passed over
    ("," * 5000 + "de", None),                   # only the first 32 tags are read
])
def test_the_browser_language(header: str | None, language: str | None) -> None:
    assert i18n.from_accept_language(header) == language


def _decided(**known: str | bool | None) -> str:
    choice = i18n.Choice(**known)  # type: ignore[arg-type]
    choice.decide()
    return choice.language


def test_the_persons_choice_comes_first_then_the_switcher_the_browser_and_the_workspace() -> None:
    assert _decided(person="de", cookie="en", browser="en", workspace="en") == "de"
    assert _decided(cookie="de", browser="en", workspace="en") == "de"
    assert _decided(browser="de", workspace="en") == "de"
    assert _decided(browser=None, workspace="de") == "de"
    assert _decided(person="fr") == "en"
    assert _decided() == "en"


def test_a_script_is_answered_in_its_accept_language_else_the_workspaces() -> None:
    assert _decided(scripted=True, person="de", browser="en", workspace="de") == "en"
    assert _decided(scripted=True, person="de", workspace="de") == "de"
    assert _decided(scripted=True, person="de") == "en"


def test_the_person_and_workspace_reach_the_request_from_a_thread_pool_copy() -> None:
    import contextvars

    def in_a_dependency() -> None:  # FastAPI runs it in a copy of the context
        i18n.know_person("de")

    def request() -> str:
        i18n.begin(cookie=None, accept_language="en", scripted=False)
        contextvars.copy_context().run(in_a_dependency)
        return i18n.current()

    assert contextvars.copy_context().run(request) == "de"


def test_a_named_language_is_not_changed_by_what_is_known_later() -> None:
    with i18n.speaking("de"):
        i18n.know_person("en")
        i18n.know_workspace("en")
        assert i18n.current() == "de"
    with i18n.speaking("en"):
        assert i18n.current() == "en"


def test_speaking_sets_the_language_for_a_block_and_no_further() -> None:
    assert i18n.current() == "en"
    with i18n.speaking("de"):
        assert i18n.current() == "de"
        with i18n.speaking("xx"):
            assert i18n.current() == "en"
        assert i18n.current() == "de"
    assert i18n.current() == "en"


def test_another_thread_keeps_its_own_language() -> None:
    seen: list[str] = []

    def other() -> None:
        seen.append(i18n.current())

    with i18n.speaking("de"):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert i18n.current() == "de"
    assert seen == ["en"]


def test_english_is_the_source_language() -> None:
    with i18n.speaking("en"):
        assert i18n.gettext("Sign out") == "Sign out"
        assert i18n.ngettext("%(n)s post", "%(n)s posts", 2) == "%(n)s posts"


def test_dates_in_each_language_and_in_their_own_zone() -> None:
    from datetime import date, datetime, time
    from zoneinfo import ZoneInfo

    late = datetime(2026, 12, 15, 23, 30, tzinfo=ZoneInfo("Europe/Berlin"))  # 22:30 UTC
    with i18n.speaking("en"):
        assert i18n.when(late, "day") == "Tue 15 Dec"
        assert i18n.when(late, "day_time") == "Tue 15 Dec, 23:30"
        assert i18n.when(date(2026, 9, 1), "day_year") == "Tue 1 Sep 2026"
    with i18n.speaking("de"):
        assert i18n.when(late, "day") == "Di., 15. Dez."
        assert i18n.when(late, "day_long") == "Dienstag, 15. Dezember"
        assert i18n.when(late, "time") == "23:30"
        assert i18n.when(time(9, 5), "time") == "09:05"
        assert i18n.when(date(2026, 3, 1), "month_year") == "März 2026"
        assert i18n.when(None) == ""


def test_numbers_with_the_readers_decimal_mark() -> None:
    with i18n.speaking("de"):
        assert i18n.number(2.5, 1) == "2,5"
        assert i18n.number(12345) == "12.345"
    with i18n.speaking("en"):
        assert i18n.number(2.5, 1) == "2.5"
        assert i18n.number(12345) == "12,345"


def test_a_new_catalog_is_a_new_language_named_in_its_own_words(tmp_path, monkeypatch):
    for code in ("fr", "de"):
        folder = tmp_path / code / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "messages.po").write_text('msgid ""\nmsgstr ""\n')
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    assert i18n._catalog_languages() == {"en": "English", "de": "Deutsch", "fr": "Français"}
    assert i18n.LANGUAGES == {"en": "English", "de": "Deutsch"}  # the repository's
