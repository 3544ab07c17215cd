"""Findings told in the reader's language.

The engine writes in the source language, and the findings cache keeps that
(one row serves every reader). A reader in another language gets each finding
told again from its code, details and moments (app/rules/messages.py), with the
workspace's zone and its stories' names: once per answer, and the calendar's
kept answers are kept per language.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache

from babel.dates import format_date
from babel.numbers import format_decimal
from sqlmodel import Session, col, select

from app import i18n
from app.models import Story
from app.rules.facts import Finding
from app.rules.messages import ENGLISH, Speech, Words, reworded
from app.rules.timeline import Timeline


def told(session: Session, *, workspace_id: str, timezone: str,
         findings: Sequence[Finding]) -> list[Finding]:
    if i18n.current() == i18n.DEFAULT or not findings:
        return list(findings)
    story_ids = sorted({f.story_id for f in findings if f.story_id})
    names: dict[str, str] = {}
    if story_ids:
        rows = session.execute(select(Story.id, Story.name).where(
            col(Story.workspace_id) == workspace_id, col(Story.id).in_(story_ids)))
        names = {story_id: name or story_id for story_id, name in rows}
    return reworded(findings, Words(Timeline(timezone), names, rules_speech()))


@cache
def _speech(language: str) -> Speech:
    if language == i18n.DEFAULT:
        return ENGLISH
    words = i18n.translations(language)
    locale = i18n.LOCALES[language]

    def day(value: date, with_year: bool) -> str:
        style = i18n.STYLES["day_year" if with_year else "day"]
        return format_date(value, words.pgettext("date pattern", style), locale=locale)

    def figure(value: float) -> str:
        return format_decimal(value, locale=locale)

    return Speech(gettext=words.gettext, ngettext=words.ngettext, pgettext=words.pgettext,
                  day=day, number=figure)


def rules_speech(language: str | None = None) -> Speech:
    """The engine's sentences, dates and numbers in `language`, else the reader's."""
    return _speech(language if language in i18n.LANGUAGES else i18n.current())
