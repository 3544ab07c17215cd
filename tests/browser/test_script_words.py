"""In Chromium, the scripts speak the reader's language: the post text's counter
with German digits and words, and the copy button's "Kopiert"."""

from __future__ import annotations

import uuid
from datetime import date

from sqlmodel import Session

from app.db import make_engine
from app.models import Channel
from tests.browser.conftest import Site, sign_in
from tests.browser.test_calendar import future_monday


def seed_channels(site: Site) -> tuple[str, str]:
    """A LinkedIn channel (3,000 characters) and a newsletter (no limit)."""
    engine = make_engine(site.database_url)
    with Session(engine, expire_on_commit=False) as session:
        made = [Channel(workspace_id=site.workspace_id, name=f"{platform} {uuid.uuid4().hex[:6]}",
                        platform=platform, started_on=date(2024, 1, 1))
                for platform in ("linkedin", "newsletter")]
        session.add_all(made)
        session.commit()
        ids = (made[0].id, made[1].id)
    engine.dispose()
    return ids


def open_dialog(page, site: Site, channel_id: str) -> None:  # type: ignore[no-untyped-def]
    monday = future_monday(3)
    page.goto(f"{site.url}/w/{site.workspace_id}/calendar?date={monday.isoformat()}"
              f"&channel={channel_id}")
    page.click(f".day[data-day='{monday.isoformat()}'] a.add")
    page.wait_for_selector("#post-dialog[open] #f-text")


def counter_says(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function("want => document.getElementById('text-counter').textContent === want",
                           arg=text)


def speaking(browser, language: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale=language)
    context.set_default_timeout(15_000)
    return context


def test_the_counter_in_german(browser, site: Site):  # type: ignore[no-untyped-def]
    linkedin, newsletter = seed_channels(site)
    context = speaking(browser, "de-DE")
    try:
        page = context.new_page()
        sign_in(page, site, "editor")
        open_dialog(page, site, linkedin)
        page.select_option("#f-channel", linkedin)
        page.fill("#f-text", "x" * 3001)
        counter_says(page, "3.001 / 3.000 · 1 zu viel")
        page.select_option("#f-channel", newsletter)
        counter_says(page, "3.001 Zeichen")
        page.fill("#f-text", "x")
        counter_says(page, "1 Zeichen")
    finally:
        context.close()


def test_the_counter_in_english_counts_one_character(browser, site: Site):  # type: ignore[no-untyped-def]
    _, newsletter = seed_channels(site)
    context = speaking(browser, "en-GB")
    try:
        page = context.new_page()
        sign_in(page, site, "editor")
        open_dialog(page, site, newsletter)
        page.select_option("#f-channel", newsletter)
        page.fill("#f-text", "x")
        counter_says(page, "1 character")
        page.fill("#f-text", "x" * 1500)
        counter_says(page, "1,500 characters")
    finally:
        context.close()


def test_the_copy_button_says_kopiert(browser, site: Site):  # type: ignore[no-untyped-def]
    context = speaking(browser, "de-DE")
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = context.new_page()
        sign_in(page, site, "lead")
        page.goto(f"{site.url}/w/{site.workspace_id}/feeds")
        page.fill("#f-name", "Mein Telefon")
        page.click(f"form[action='/w/{site.workspace_id}/feeds'] button[type=submit]")
        copy = page.locator("button[data-copy=feed-url]")
        assert copy.inner_text() == "Kopieren"
        copy.click()
        page.wait_for_selector("button[data-copy=feed-url]:has-text('Kopiert')")
        # The site is shared: the other feed tests expect this person to have none.
        page.goto(f"{site.url}/w/{site.workspace_id}/feeds")
        page.click("form[action$='/revoke'] button[type=submit]")
        page.wait_for_selector("form[action$='/revoke']", state="detached")
    finally:
        context.close()
