"""The review workflow in a real browser: an editor submits a week with a blocking
finding, the lead's plain approval is refused and says why, the lead approves with
a reason, and an edit after approval sends the post back to review."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from app.db import make_engine
from app.models import Post, User
from tests.browser.conftest import sign_in
from tests.browser.test_calendar import future_monday, open_week, seed_channel


def mark_created_by(site, channel_id: str, email: str) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(site.database_url)
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        for post in session.exec(select(Post).where(Post.channel_id == channel_id)).all():
            post.created_by_id = user.id
            session.add(post)
        session.commit()
    engine.dispose()


class TestWeekApproval:
    def test_blocking_week_needs_a_reason_and_edits_go_back_to_review(
            self, browser, site, artifacts_dir):
        monday = future_monday(32)
        days = [monday + timedelta(days=d) for d in range(5)]
        posts = [(days[0], "09:00", "give", "A helpful thread"),
                 (days[1], "09:00", "ask", "Buy our beans"),
                 (days[2], "09:00", "ask", "Sale ends soon"),
                 (days[3], "09:00", "give", "Behind the counter"),
                 (days[4], "09:00", "ask", "Last call for the sale")]
        channel_id = seed_channel(site, posts)
        mark_created_by(site, channel_id, site.accounts["editor"][0])
        week = f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"

        editor = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        sign_in(editor, site, "editor")
        open_week(editor, site, channel_id, monday)
        week_no = monday.isocalendar()[1]
        button = editor.locator(".submit-week button")
        assert button.inner_text() == f"Submit week {week_no}: 5 posts"
        editor.once("dialog", lambda dialog: dialog.accept())  # the confirmation names it too
        button.click()
        editor.locator(".flash", has_text=f"Submitted 5 posts of week {week_no}").wait_for()
        assert editor.locator(".submit-week button").inner_text() == (
            f"Week {week_no}: nothing to submit")
        assert editor.locator(".post .status-submitted").count() == 5

        lead = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        sign_in(lead, site, "lead")
        lead.click(".ws-links >> text=Approvals")
        card = lead.locator(f".week-card[data-week='{week}']")
        card.wait_for()
        assert "too much self-promotion" in card.inner_text()
        card.locator("a.card-link").click()
        assert lead.locator(".finding-line[data-code=ask_density]").count() == 1

        lead.click("text=Approve week")  # no reason given
        error = lead.locator("#override-error")
        error.wait_for()
        assert "must not be empty" in error.inner_text()
        assert lead.locator(".row-submitted").count() == 5  # nothing was approved

        lead.fill("#override", "The sale was agreed with the owner.")
        lead.click("text=Approve week")
        lead.locator(".flash", has_text="approved").wait_for()
        assert lead.locator(".decisions", has_text="The sale was agreed").count() == 1
        lead.screenshot(path=str(artifacts_dir / "week-approval.png"), full_page=True)

        open_week(editor, site, channel_id, monday)
        assert editor.locator(".post .status-approved").count() == 5
        editor.click(f".day[data-day='{days[3].isoformat()}'] .post-link")
        editor.wait_for_selector("#post-dialog[open] #f-text")
        editor.fill("#f-text", "Behind the counter, with a new photo")
        editor.click("#post-dialog .form-actions button[type=submit]")
        editor.wait_for_selector("#post-dialog", state="hidden")
        card = editor.locator(f".day[data-day='{days[3].isoformat()}'] .post")
        assert card.locator(".status-submitted").count() == 1
        assert editor.locator(".post .status-approved").count() == 4
