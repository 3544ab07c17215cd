"""The reader's language: which one, and its words.

Catalogs are gettext's, made with Babel: ``app/locale/<lang>/LC_MESSAGES/
messages.po`` in the repository, compiled to ``.mo`` by the install step
(``make install``, the Dockerfile). Adding a language is a new catalog,
nothing else: LANGUAGES is every catalog there is, named in its own words.

A request's language is decided as its reader becomes known (``Choice``) and
held in a context variable, so templates, macros and services all read the
same one, in the event loop and in the threads that serve the request alike.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as dtime
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT = "en"


def _catalog_languages() -> dict[str, str]:
    """English (the words in the code), then every language with a catalog, each
    in its own words as the switcher shows it: a new catalog is a new language."""
    found = {DEFAULT: "English"}
    for po in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        code = po.parents[1].name
        name = Locale.parse(code).get_display_name(code) or code
        found[code] = name[:1].upper() + name[1:]
    return found


LANGUAGES: dict[str, str] = _catalog_languages()

@dataclass
class Choice:
    """What a request knows of its reader's language, and the language it makes.

    One holder per request, in a context variable: the middleware fills in the
    cookie and Accept-Language, the dependencies that find the person and the
    workspace add theirs, and all of them run in copies of the same context
    (FastAPI's thread pool), so they change this object rather than the variable.
    """

    person: str | None = None     # the account page's choice (pages and their calls)
    cookie: str | None = None     # the footer's switcher, before signing in
    browser: str | None = None    # Accept-Language
    workspace: str | None = None  # the workspace's default
    scripted: bool = False        # a token's call: Accept-Language first, no person
    fixed: bool = False           # named by the code (mail, the CLI): nothing changes it
    language: str = DEFAULT

    def decide(self) -> None:
        order = ((self.browser, self.workspace) if self.scripted
                 else (self.person, self.cookie, self.browser, self.workspace))
        self.language = next((lang for lang in order if lang in LANGUAGES), DEFAULT)


_FIXED: dict[str, Choice] = {}


def _fixed(language: str) -> Choice:
    """A settled choice for blocks that name their language (mail, the CLI)."""
    language = language if language in LANGUAGES else DEFAULT
    if language not in _FIXED:
        _FIXED[language] = Choice(fixed=True, language=language)
    return _FIXED[language]


_current: ContextVar[Choice] = ContextVar("giveask_language")


@cache
def translations(language: str) -> _gettext.NullTranslations:
    if language == DEFAULT:
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [language], domain=DOMAIN)


def current() -> str:
    choice = _current.get(None)
    return choice.language if choice is not None else DEFAULT


def begin(*, cookie: str | None, accept_language: str | None, scripted: bool) -> Choice:
    """A request's choice as its headers tell it; the person and the
    workspace come later (`know_person`, `know_workspace`)."""
    choice = Choice(cookie=cookie, browser=from_accept_language(accept_language),
                    scripted=scripted)
    choice.decide()
    _current.set(choice)
    return choice


def know_person(language: str | None) -> None:
    choice = _current.get(None)
    if choice is not None and not choice.fixed:
        choice.person = language or None
        choice.decide()


def know_script() -> None:
    """The caller is a script with a token: its Accept-Language, else the workspace's."""
    choice = _current.get(None)
    if choice is not None and not choice.fixed:
        choice.scripted = True
        choice.decide()


def know_workspace(language: str | None) -> None:
    choice = _current.get(None)
    if choice is not None and not choice.fixed:
        choice.workspace = language or None
        choice.decide()


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Within the block, words come in `language` (mail, the CLI, tests)."""
    token = _current.set(_fixed(language))
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


# ---- dates, times and numbers in the reader's language --------------------------
#
# A style names what a date shows; its pattern (CLDR's, as Babel formats them)
# is itself a word of the catalog, in the context "date pattern", so a language
# brings its own order and punctuation: "Tue 15 Dec" is "Di., 15. Dez.".
# Times are 24-hour in every language.
def N_(*context_and_message: str) -> str:
    """Marks a word for the catalog where it is read later: ``N_(message)`` as
    gettext reads it, ``N_(context, message)`` as pgettext does."""
    return context_and_message[-1]


STYLES: dict[str, str] = {
    "time": N_("date pattern", "HH:mm"),
    "weekday": N_("date pattern", "EEE"),
    "weekday_long": N_("date pattern", "EEEE"),
    "day": N_("date pattern", "EEE d MMM"),
    "day_long": N_("date pattern", "EEEE d MMMM"),
    "day_year": N_("date pattern", "EEE d MMM y"),
    "date": N_("date pattern", "d MMM y"),
    "day_month": N_("date pattern", "d MMM"),
    "month_year": N_("date pattern", "MMMM y"),
    "day_time": N_("date pattern", "EEE d MMM, HH:mm"),
    "day_year_time": N_("date pattern", "EEE d MMM y, HH:mm"),
    "date_time": N_("date pattern", "d MMM, HH:mm"),
    "long_date_time": N_("date pattern", "d MMMM y, HH:mm"),
}
# The locale whose names Babel uses for each language: the language's own.
LOCALES: dict[str, str] = {code: code for code in LANGUAGES}


def date_pattern(style: str) -> str:
    return pgettext("date pattern", STYLES[style])


def when(value: datetime | date | dtime | None, style: str = "day") -> str:
    """`value` as the reader reads it; an aware time stays in its own zone."""
    if value is None:
        return ""
    locale = LOCALES.get(current(), LOCALES[DEFAULT])
    pattern = date_pattern(style)
    if isinstance(value, datetime):
        return format_datetime(value, pattern, tzinfo=value.tzinfo or UTC, locale=locale)
    if isinstance(value, date):
        return format_date(value, pattern, locale=locale)
    return format_time(value.replace(tzinfo=None), pattern, tzinfo=UTC, locale=locale)


def number(value: float | int, digits: int = 0) -> str:
    """A number with the reader's decimal mark ("2,5" in German)."""
    locale = LOCALES.get(current(), LOCALES[DEFAULT])
    return format_decimal(round(value, digits), format=f"#,##0.{'0' * digits}" if digits
                          else "#,##0", locale=locale)
