"""A client share link in a real browser: a lead makes a link to a week, someone
with no account opens it in a browser that never signed in, sees the week and
comments on a post, and the team finds the comment in the post's dialog. The
pages pass axe-core with no serious violation."""

from __future__ import annotations

from datetime import timedelta

from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_calendar import future_monday, open_week, seed_channel


class TestShareLink:
    def test_a_client_sees_the_week_and_the_team_reads_the_comment(
            self, browser, site, artifacts_dir):
        monday = future_monday(44)
        week = f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"
        channel_id = seed_channel(site, [
            (monday - timedelta(days=1), "10:00", "give", "Sunday before: not shared"),
            (monday, "09:00", "give", "How we roast on Mondays"),
            (monday + timedelta(days=1), "09:00", "ask", "Order the winter blend"),
            (monday + timedelta(days=2), "09:00", "ask", "Last days of the blend sale"),
            (monday + timedelta(days=4), "12:00", "give", "Meet our new barista"),
            (monday + timedelta(days=7), "09:00", "give", "Next Monday: not shared"),
        ])

        lead_context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                           bypass_csp=True)
        lead_context.set_default_timeout(15_000)
        lead = lead_context.new_page()
        sign_in(lead, site, "lead")
        lead.goto(f"{site.url}/w/{site.workspace_id}/shares?week={week}")
        assert lead.input_value("#share-week") == week
        lead.select_option("#share-channel", channel_id)
        lead.fill("#share-label", "Café Nord")
        lead.click(".share-form button[type=submit]")
        lead.locator(".share-made").wait_for()
        url = lead.input_value("#share-url")
        assert "/s/gks_" in url
        assert lead.locator(".share-links tbody tr").first.inner_text().count("Active") == 1
        lead.screenshot(path=str(artifacts_dir / "share-link-made.png"), full_page=True)
        assert axe_violations(lead) == [], "/shares"

        # Someone without an account, in a browser that never signed in.
        guest_context = browser.new_context(viewport={"width": 1280, "height": 900},
                                            bypass_csp=True)
        guest_context.set_default_timeout(15_000)
        guest = guest_context.new_page()
        response = guest.goto(url)
        assert response is not None and response.status == 200
        assert guest_context.cookies() == []
        text = guest.inner_text("main")
        assert "Café Nord" in guest.inner_text("h1")
        for shown in ("How we roast on Mondays", "Order the winter blend",
                      "Meet our new barista"):
            assert shown in text
        assert "not shared" not in text
        assert "Gives 2 · Asks 2" in text
        assert guest.locator("a[href^='/w/']").count() == 0
        guest.screenshot(path=str(artifacts_dir / "share-link-guest.png"), full_page=True)
        assert axe_violations(guest) == [], "/s/…"

        post = guest.locator("article.share-post", has_text="Order the winter blend")
        post.locator("summary", has_text="Comment on this post").click()
        post.locator("input[name=name]").fill("Nora from Café Nord")
        post.locator("textarea[name=comment]").fill("Can we say 'until Sunday'?")
        post.locator("button[type=submit]").click()
        guest.locator(".flash", has_text="your comment is with the team").wait_for()
        thread = guest.locator("article.share-post", has_text="Order the winter blend")
        assert "Can we say 'until Sunday'?" in thread.inner_text()
        guest.screenshot(path=str(artifacts_dir / "share-link-commented.png"), full_page=True)
        guest.set_viewport_size({"width": 390, "height": 844})
        assert guest.evaluate("document.scrollingElement.scrollWidth") <= 390
        assert guest.locator("article.share-post").first.is_visible()
        guest.screenshot(path=str(artifacts_dir / "share-link-phone.png"), full_page=True)
        assert guest_context.cookies() == []
        guest_context.close()

        open_week(lead, site, channel_id, monday)
        lead.locator(".post", has_text="Order the winter blend").locator(".post-link").click()
        dialog = lead.locator("#post-dialog[open]")
        dialog.locator(".comment-guest").wait_for()
        said = dialog.locator(".comment-guest").inner_text()
        assert "Nora from Café Nord" in said
        assert "(guest, via share link 'Café Nord')" in said
        assert "Can we say 'until Sunday'?" in said
        dialog.locator(".comment-guest").scroll_into_view_if_needed()
        lead.screenshot(path=str(artifacts_dir / "share-link-team-thread.png"))
        lead_context.close()
