"""In Chromium: a viewer makes a calendar feed, copies its address and reads the
calendar from it; the calendar's Export CSV downloads the week on screen. Both
pages pass axe-core with no serious violation."""

from __future__ import annotations

import urllib.request

import icalendar

from tests.browser.conftest import Site, sign_in
from tests.browser.test_accessibility import axe_violations


def test_a_viewer_subscribes_to_a_feed(page, site: Site, artifacts_dir):  # type: ignore[no-untyped-def]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, site, "viewer")
    page.goto(f"{site.url}/w/{site.workspace_id}/feeds")
    page.select_option("#f-channel", site.channel_id)
    page.fill("#f-name", "My phone")
    page.click("button:has-text('Make a feed')")
    address = page.input_value("#feed-url")
    assert "/calendar.ics?token=gkf_" in address
    webcal = page.get_attribute("a:has-text('Open in my calendar app')", "href")
    assert webcal == "webcal://" + address.removeprefix("http://")
    copy = page.locator("button[data-copy=feed-url]")
    assert copy.is_visible()
    copy.click()
    page.wait_for_selector("button[data-copy=feed-url]:has-text('Copied')")
    page.screenshot(path=str(artifacts_dir / "feeds-page.png"), full_page=True)

    with urllib.request.urlopen(address, timeout=10) as answer:
        assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
        calendar = icalendar.Calendar.from_ical(answer.read())
    assert str(calendar["X-WR-CALNAME"]) == "Giveask · Browser Café · Mastodon – Café"

    page.goto(f"{site.url}/w/{site.workspace_id}/feeds")
    assert page.locator("#feed-url").count() == 0  # shown once
    page.click("button:has-text('Revoke')")
    page.wait_for_selector("text=No feed yet.")


def test_export_csv_from_the_calendar(page, site: Site, artifacts_dir):  # type: ignore[no-untyped-def]
    sign_in(page, site, "viewer")
    page.goto(f"{site.url}/w/{site.workspace_id}/calendar?date=2026-11-25")
    with page.expect_download() as download_info:
        page.click("a.export-csv")
    download = download_info.value
    assert download.suggested_filename == "giveask-browser-cafe-2026-11-23-2026-11-29.csv"
    with open(download.path(), "rb") as file:
        assert file.read().startswith(b"\xef\xbb\xbfchannel,scheduled_at,kind")
    page.goto(f"{site.url}/w/{site.workspace_id}/export")
    page.screenshot(path=str(artifacts_dir / "export-page.png"), full_page=True)


def test_no_serious_violation(browser, site: Site):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1440, "height": 900}, bypass_csp=True)
    page = context.new_page()
    try:
        sign_in(page, site, "admin")
        failures = {}
        for path in ("feeds", "export"):
            page.goto(f"{site.url}/w/{site.workspace_id}/{path}")
            if found := axe_violations(page):
                failures[path] = found
        page.goto(f"{site.url}/w/{site.workspace_id}/feeds")
        page.click("button:has-text('Make a feed')")  # with the address shown once
        if found := axe_violations(page):
            failures["new feed"] = found
        assert failures == {}
    finally:
        context.close()
