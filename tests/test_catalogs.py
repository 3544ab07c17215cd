"""Every word of the code and templates is in every language's catalog.

The words are extracted as `make messages` extracts them (babel.cfg), then
compared with each catalog in app/locale: a word missing from a catalog, or
left untranslated or fuzzy, fails here with its text, so a German reader never
meets English by accident.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app import i18n

ROOT = Path(__file__).resolve().parent.parent


def extracted() -> set[str]:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: set[str] = set()
    # As the Makefile's `messages`: N_ marks a word read later (app/i18n.py).
    keywords = {**DEFAULT_KEYWORDS, "N_": ((1, "c"), 2)}
    for _, _, message, _, context in extract_from_dir(str(ROOT / "app"), method_map,
                                                     options_map, keywords=keywords):
        text = message[0] if isinstance(message, tuple) else message
        found.add(text if context is None else f"{context}\x04{text}")
    return found


@pytest.mark.parametrize("language", [code for code in i18n.LANGUAGES if code != i18n.DEFAULT])
def test_every_word_is_translated(language: str) -> None:
    path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po)
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        if not m.context else f"{m.context}\x04{m.id[0] if isinstance(m.id, tuple) else m.id}"
        for m in catalog
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple)
                                        else [m.string])
    }
    words = extracted()
    assert words, "nothing was extracted: is babel.cfg right?"
    missing = sorted(words - translated)
    assert not missing, f"{len(missing)} words have no {language} translation " \
        f"(run `make messages`, then translate): {missing[:20]}"


def test_the_compiled_catalogs_are_current() -> None:
    """`make` compiles the .mo files; a .po newer than its .mo was not compiled."""
    for language in i18n.LANGUAGES:
        if language == i18n.DEFAULT:
            continue
        folder = i18n.LOCALE_DIR / language / "LC_MESSAGES"
        mo, po = folder / "messages.mo", folder / "messages.po"
        assert mo.exists(), f"{mo} is missing: run `make catalogs`"
        assert mo.stat().st_mtime >= po.stat().st_mtime, f"{mo} is older than {po}"
