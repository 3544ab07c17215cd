"""The reader's language: which one, and its words.

Catalogs are gettext's, made with Babel: ``app/locale/<lang>/LC_MESSAGES/
messages.po`` in the repository, compiled to ``.mo`` by the install step
(``make install``, the Dockerfile). Adding a language is a new catalog and its
name in LANGUAGES, nothing else.

A request's language is decided once (``choose``) and held in a context
variable, so templates, macros and services all read the same one, in the
event loop and in the threads that serve the request alike.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
# Each language in its own words, as the switcher shows it.
LANGUAGES: dict[str, str] = {"en": "English", "de": "Deutsch"}
DEFAULT = "en"

_current: ContextVar[str] = ContextVar("giveask_language", default=DEFAULT)


@cache
def translations(language: str) -> _gettext.NullTranslations:
    if language == DEFAULT:
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [language], domain=DOMAIN)


def current() -> str:
    return _current.get()


def set_current(language: str) -> None:
    _current.set(language if language in LANGUAGES else DEFAULT)


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Within the block, words come in `language` (mail, the CLI, tests)."""
    token = _current.set(language if language in LANGUAGES else DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(current()).pgettext(context, message)


def from_accept_language(header: str | None) -> str | None:
    """The first of our languages the browser asks for, by its q-values."""
    if not header:
        return None
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            wanted.append((-quality, position, tag.strip()))
    for _, _, tag in sorted(wanted):
        if tag == "*":
            return None
        try:
            language = Locale.parse(tag.replace("-", "_")).language
        except (ValueError, UnknownLocaleError):
            continue
        if language in LANGUAGES:
            return language
    return None


def choose(*, preferred: str | None, accept_language: str | None,
           workspace_default: str | None) -> str:
    """The person's own choice, else their browser's, else the workspace's."""
    for language in (preferred, from_accept_language(accept_language), workspace_default):
        if language is not None and language in LANGUAGES:
            return language
    return DEFAULT
