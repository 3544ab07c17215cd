"""Suggestions in the browser: a badge offers a verified fix that one click
applies, the calendar says what changed and undoes it, and a saved post's
dialog shows the findings it carries now, with their fixes."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from app.db import make_engine
from app.models import Post
from tests.browser.conftest import sign_in
from tests.browser.test_calendar import future_monday, open_week, seed_channel


def too_soon_plan(site):  # type: ignore[no-untyped-def]
    """Nine gives, an ask, two gives and an ask: the second ask comes too soon,
    and moving it later is a fix."""
    monday = future_monday(55)
    posts = [(monday - timedelta(days=12 - n), "09:00", "give", f"Give {n}") for n in range(9)]
    posts.append((monday - timedelta(days=3), "09:00", "ask", "First offer"))
    posts += [(monday, "09:00", "give", "Give after"), (monday + timedelta(days=1), "09:00",
                                                          "give", "Another give")]
    posts.append((monday + timedelta(days=2), "09:00", "ask", "Second offer"))
    return seed_channel(site, posts), monday


def when_of(site, channel_id: str, text: str):  # type: ignore[no-untyped-def]
    engine = make_engine(site.database_url)
    with Session(engine) as session:
        post = session.exec(select(Post).where(Post.channel_id == channel_id,
                                               Post.text == text)).one()
        found = (post.scheduled_at, post.kind, post.version)
    engine.dispose()
    return found


class TestFixes:
    def test_one_click_from_the_badge_applies_and_undo_puts_it_back(self, page, site,
                                                                    artifacts_dir):
        channel_id, monday = too_soon_plan(site)
        before = when_of(site, channel_id, "Second offer")
        sign_in(page, site, "editor")
        open_week(page, site, channel_id, monday)
        card = page.locator(".post", has_text="Second offer")
        badge = card.locator(".finding[data-code=ask_too_soon]")
        badge.locator(".fix-slot .btn-fix").first.wait_for(state="attached")
        badge.hover()
        button = badge.locator(".btn-fix").first
        summary = button.inner_text()
        assert summary.startswith(("Move this ask to", "Swap", "Turn this ask"))
        page.screenshot(path=str(artifacts_dir / "fix-badge.png"))
        button.click()
        flash = page.locator(".flash")
        flash.wait_for()
        assert f"Applied: {summary}" in flash.inner_text()
        after = when_of(site, channel_id, "Second offer")
        assert after != before
        assert page.locator(".post", has_text="Second offer").locator(
            ".finding[data-code=ask_too_soon]").count() == 0

        page.click(".flash .undo-form button")
        page.locator(".flash", has_text="Undone").wait_for()
        back = when_of(site, channel_id, "Second offer")
        assert (back[0], back[1]) == (before[0], before[1])

    def test_the_dialog_shows_what_the_post_carries_now(self, page, site):
        channel_id, monday = too_soon_plan(site)
        sign_in(page, site, "editor")
        open_week(page, site, channel_id, monday)
        page.locator(".post", has_text="Second offer").locator(".post-link").click()
        page.wait_for_selector("#post-dialog[open]")
        now = page.locator(".post-findings")
        assert "On this post now" in now.inner_text()
        item = now.locator("[data-code=ask_too_soon]")
        assert "rhythm asks for 9" in item.inner_text()
        assert item.locator(".btn-fix").count() >= 1
        item.locator(".btn-fix").first.click()
        page.wait_for_selector("#post-dialog", state="hidden")
        assert "Applied:" in page.locator(".flash").inner_text()

        page.locator(".post", has_text="Give after").locator(".post-link").click()
        page.wait_for_selector("#post-dialog[open]")
        assert "This post carries no finding now." in page.locator("#post-dialog").inner_text()


class TestAcknowledging:
    def test_an_editor_acknowledges_from_the_dialog_and_the_lead_reads_the_note(
            self, page, site, artifacts_dir):
        channel_id, monday = too_soon_plan(site)
        note = "Launch offer agreed with the owner; gives resume next week."
        sign_in(page, site, "editor")
        open_week(page, site, channel_id, monday)
        page.locator(".post", has_text="Second offer").locator(".post-link").click()
        page.wait_for_selector("#post-dialog[open]")
        item = page.locator("#post-dialog .post-findings [data-code=ask_too_soon]")
        item.locator(".ack-form summary").click()
        item.get_by_role("button", name="Acknowledge").click()
        # An empty note: the reason sits next to the field, the dialog stays open.
        error = page.locator("#post-dialog .ack-form .field-error")
        error.wait_for()
        assert "Must not be empty" in error.inner_text()
        item = page.locator("#post-dialog .post-findings [data-code=ask_too_soon]")
        textarea = item.locator("textarea[name=note]")
        assert textarea.get_attribute("aria-invalid") == "true"
        page.screenshot(path=str(artifacts_dir / "ack-empty-note.png"))
        textarea.fill(note)
        item.get_by_role("button", name="Acknowledge").click()
        page.wait_for_selector("#post-dialog", state="hidden")
        assert "Acknowledged this warning" in page.locator(".flash").inner_text()
        badge = page.locator(".post", has_text="Second offer").locator(
            ".finding[data-code=ask_too_soon]")
        assert "acknowledged" in (badge.get_attribute("class") or "")
        badge.hover()
        assert f"Acknowledged by Editor Person: {note}" in badge.locator(".tip").inner_text()
        page.screenshot(path=str(artifacts_dir / "ack-muted-badge.png"))

        page.context.clear_cookies()
        sign_in(page, site, "lead")
        week = f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"
        page.goto(f"{site.url}/w/{site.workspace_id}/approvals/{week}?channel={channel_id}")
        line = page.locator(".finding-line[data-code=ask_too_soon]")
        assert "acknowledged" in (line.get_attribute("class") or "")
        assert note in line.inner_text()
        page.screenshot(path=str(artifacts_dir / "ack-week-review.png"), full_page=True)
