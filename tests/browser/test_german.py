"""A German team's week in a real browser: the calendar, the post dialog with
its live warning, and the lead's week review, every word and date German;
the footer's switch turns all of it English."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from app import i18n
from app.db import make_engine
from tests.browser.conftest import Site, sign_in
from tests.browser.test_calendar import future_monday, open_week, seed_channel

GERMAN = {"locale": "de-DE", "viewport": {"width": 1400, "height": 1000}}
ENGLISH_WORDS = ("Week ", "Submit", "the rhythm", "Approve", "Give", "Ask ")


def forget_language(site: Site, role: str) -> None:
    engine = make_engine(site.database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE user_account SET language = '' WHERE email = :email"),
                           {"email": site.accounts[role][0]})
    engine.dispose()


def german(msgid: str, **values: object) -> str:
    with i18n.speaking("de"):
        return i18n.gettext(msgid) % values if values else i18n.gettext(msgid)


def german_plural(singular: str, plural: str, n: int, **values: object) -> str:
    with i18n.speaking("de"):
        return i18n.ngettext(singular, plural, n) % {"num": n, **values}


class TestAGermanWeek:
    def test_calendar_dialog_and_review_speak_german_until_switched(
            self, browser, site: Site, artifacts_dir):
        monday = future_monday(40)
        week_no = monday.isocalendar()[1]
        gives = [(monday + timedelta(days=d // 2), "09:00" if d % 2 == 0 else "15:00", "give",
                  f"Hilfreicher Tipp {d}") for d in range(8)]
        friday = monday + timedelta(days=4)
        channel_id = seed_channel(site, [*gives, (friday, "09:00", "ask", "Unsere Winterbohne")])

        editor_context = browser.new_context(**GERMAN)
        editor = editor_context.new_page()
        sign_in(editor, site, "editor")
        open_week(editor, site, channel_id, monday)
        assert editor.locator("html").get_attribute("lang") == "de"
        assert editor.locator("#cal-title").inner_text().startswith(f"KW {week_no}")
        assert editor.locator(".day-name", has_text="Mo.").count() or \
            "Mo." in editor.locator(".days").inner_text()
        cards = editor.locator(".post .kind").all_inner_texts()
        assert cards and {c.strip().upper() for c in cards} <= {"GEBEN", "BITTEN"}

        # The dialog warns in German, before anything is saved.
        saturday = friday + timedelta(days=1)
        editor.click(f".day[data-day='{saturday.isoformat()}'] a.add")
        editor.wait_for_selector("#post-dialog[open] #f-text")
        assert editor.locator("#post-dialog button[type=submit]").inner_text() == german(
            "Plan post")
        editor.check("#post-dialog input[name=kind][value=ask]", force=True)
        editor.fill("#f-text", "Letzte Chance für die Winterbohne")
        warning = editor.locator("#live-check [data-code=ask_too_soon]")
        warning.wait_for()
        text = warning.inner_text()
        assert "Kein Geben-Beitrag seit der letzten Bitte am Fr., " in text
        assert "der Rhythmus verlangt 9" in text
        editor.screenshot(path=str(artifacts_dir / "de-dialog.png"))
        editor.click("#post-dialog button[type=submit]")
        editor.wait_for_selector("#post-dialog", state="hidden")
        badge = editor.locator(f".day[data-day='{saturday.isoformat()}'] "
                               ".post-ask .finding[data-code=ask_too_soon]")
        badge.wait_for()
        badge.focus()
        assert "Kein Geben-Beitrag" in badge.locator(".tip").inner_text()

        button = editor.locator(".submit-week button")
        assert button.inner_text() == german_plural(
            "Submit week %(number)s: %(num)s post", "Submit week %(number)s: %(num)s posts",
            10, number=week_no)
        editor.once("dialog", lambda dialog: dialog.accept())
        button.click()
        editor.locator(".flash", has_text=f"KW {week_no}").wait_for()
        editor.screenshot(path=str(artifacts_dir / "de-week.png"), full_page=True)
        body = editor.locator("main").inner_text()
        assert not [w for w in ENGLISH_WORDS if w in body], body

        lead_context = browser.new_context(**GERMAN)
        lead = lead_context.new_page()
        sign_in(lead, site, "lead")
        lead.click(f".ws-links >> text={german('Approvals')}")
        week = f"{monday.isocalendar()[0]}-W{week_no:02d}"
        card = lead.locator(f".week-card[data-week='{week}']")
        card.wait_for()
        card.locator("a.card-link").click()
        line = lead.locator(".finding-line[data-code=ask_too_soon]")
        line.wait_for()
        assert "Kein Geben-Beitrag seit der letzten Bitte" in line.inner_text()
        assert lead.locator("button", has_text=german("Approve week")).count() == 1
        lead.screenshot(path=str(artifacts_dir / "de-review.png"), full_page=True)
        review = lead.locator("main").inner_text()
        assert not [w for w in ENGLISH_WORDS if w in review], review

        # One click in the footer, and the same review is English.
        try:
            lead.click(".language-switch button[lang=en]")
            lead.wait_for_selector("html[lang=en]")
            assert lead.locator("button", has_text="Approve week").count() == 1
            assert "No gives since the last ask" in lead.locator(
                ".finding-line[data-code=ask_too_soon]").inner_text()
        finally:
            # The switch is kept on the account; the site is shared by later tests.
            forget_language(site, "lead")
            editor_context.close()
            lead_context.close()
