"""Every page passes axe-core (vendored in tests/browser/vendor) with no serious
or critical violation, the month fits about one screen and works at phone
width, and a long dense stretch is one element per week, not one per day."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from app.db import make_engine
from app.models import Series, Story
from tests.browser.conftest import Site, sign_in
from tests.browser.test_calendar import future_monday, open_week, seed_channel

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
SERIOUS = ("serious", "critical")


def axe_violations(page) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    page.add_script_tag(content=AXE)
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in found if v["impact"] in SERIOUS]


def dense_plan(site: Site) -> tuple[str, date]:
    """A channel whose asks crowd three weeks in a row: one long stretch, in
    one month's grid whatever today's date (a month's first Monday)."""
    monday = future_monday(50)
    while monday.day > 7:
        monday += timedelta(weeks=1)
    posts = []
    for day in range(21):
        when = monday + timedelta(days=day)
        posts.append((when, "09:00", "ask" if day % 2 == 0 else "give", f"Post {day}"))
    return seed_channel(site, posts), monday


def story_and_series(site: Site, channel_id: str) -> tuple[str, str]:
    engine = make_engine(site.database_url)
    with Session(engine, expire_on_commit=False) as session:
        story = Story(workspace_id=site.workspace_id, name="Winter launch", goal="Sell beans")
        series = Series(workspace_id=site.workspace_id, channel_id=channel_id, name="Tip Tuesday",
                        kind="give", text="A tip", rrule="FREQ=WEEKLY", timezone="Europe/Berlin",
                        starts_on=future_monday(60), time=time(9),
                        count=3, skipped_dates=[])
        session.add_all([story, series])
        session.commit()
        ids = (story.id, series.id)
    engine.dispose()
    return ids


@pytest.fixture()
def axe_page(browser):  # type: ignore[no-untyped-def]
    # axe is injected as a script, which the pages' CSP (rightly) refuses.
    context = browser.new_context(viewport={"width": 1440, "height": 900}, bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


class TestAxe:
    def test_no_serious_violation_on_any_page(self, axe_page, site, artifacts_dir):
        page = axe_page
        channel_id, monday = dense_plan(site)
        story_id, series_id = story_and_series(site, channel_id)
        week = f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"
        ws = f"/w/{site.workspace_id}"
        page.goto(site.url + "/login")
        assert axe_violations(page) == [], "/login"
        sign_in(page, site, "admin")
        pages = [
            f"{ws}/calendar?date={monday}&channel={channel_id}",
            f"{ws}/calendar?view=month&date={monday}",
            f"{ws}/calendar?view=list&date={monday}",
            f"{ws}/posts/new?date={monday}", f"{ws}/stories", f"{ws}/stories/{story_id}",
            f"{ws}/series", f"{ws}/series/{series_id}", f"{ws}/history", f"{ws}/approvals",
            f"{ws}/approvals/{week}", f"{ws}/members", f"{ws}/tokens", "/account",
            f"{ws}/channels", f"{ws}/rules", f"{ws}/settings", "/workspaces",
            f"{ws}/no-such-page",
        ]
        failures = {}
        for path in pages:
            page.goto(site.url + path)
            page.wait_for_load_state("networkidle")
            found = axe_violations(page)
            if found:
                failures[path] = found
        page.goto(f"{site.url}{ws}/calendar?date={monday}&channel={channel_id}")
        page.locator(".post .post-link").first.click()
        page.wait_for_selector("#post-dialog[open]")
        page.wait_for_load_state("networkidle")
        # With the acknowledge form of its first finding open.
        opener = page.locator("#post-dialog .ack-form summary")
        if opener.count():
            opener.first.click()
        if found := axe_violations(page):
            failures["post dialog"] = found
        assert failures == {}


class TestMonthAndStretches:
    def test_the_month_fits_a_screen_and_a_stretch_is_one_stop_a_week(self, page, site,
                                                                      artifacts_dir):
        channel_id, monday = dense_plan(site)
        sign_in(page, site, "viewer")
        page.set_viewport_size({"width": 1440, "height": 900})
        open_week(page, site, channel_id, monday + timedelta(weeks=1), view="month")
        page.screenshot(path=str(artifacts_dir / "month-1440.png"))
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height <= 1.25 * 900, f"the month is {height}px tall"
        weeks = page.locator(".week-block").count()
        stretches = page.locator(".stretch[tabindex]")
        # one stretch, three weeks long: one element in each week it reaches
        assert 3 <= stretches.count() <= weeks
        assert page.locator(".day[tabindex], .day .band").count() == 0
        first = stretches.first
        first.focus()
        assert first.locator(".tip").is_visible()
        assert "are asks; 1 in 5 allowed" in first.inner_text()

        open_week(page, site, channel_id, monday + timedelta(weeks=1))
        bar = page.locator(".stretches .stretch")
        assert bar.count() == 1
        assert "of 7 Channel" in bar.inner_text() and "the rhythm allows 1 in 5" in bar.inner_text()

        page.set_viewport_size({"width": 390, "height": 844})
        open_week(page, site, channel_id, monday + timedelta(weeks=1), view="month")
        page.screenshot(path=str(artifacts_dir / "month-390.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the month overflows a phone: {width}px wide"
        assert page.locator(".month-card").count() >= 14
        page.locator(".month-card .post-link").first.click()
        page.wait_for_selector("#post-dialog[open]")

    def test_list_view_shows_the_stretch(self, page, site):
        channel_id, monday = dense_plan(site)
        sign_in(page, site, "viewer")
        open_week(page, site, channel_id, monday + timedelta(weeks=1), view="list")
        note = page.locator(".stretch-note")
        assert note.count() == 1
        assert "Dense:" in note.inner_text()
