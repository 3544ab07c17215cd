"""The calendar's state is its URL: paging, switching views and filtering
update the address and the toolbar together, back and forward work, and
"Submit week" names and submits the week on screen."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect
from sqlmodel import Session, select

from app.db import make_engine
from app.models import Post
from tests.browser.conftest import sign_in
from tests.browser.test_calendar import future_monday, open_week, seed_channel


def query(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def title(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.locator("#cal-title").inner_text())


def statuses(site, channel_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    engine = make_engine(site.database_url)
    with Session(engine) as session:
        rows = session.exec(select(Post).where(Post.channel_id == channel_id)).all()
        found = {p.text: p.status for p in rows}
    engine.dispose()
    return found


class TestCalendarState:
    def test_paging_views_filters_and_history_stay_in_step(self, page, site, artifacts_dir):
        monday = future_monday(40)
        week_a, week_b = monday, monday + timedelta(weeks=1)
        channel_id = seed_channel(site, [(week_a, "09:00", "give", "In the first week"),
                                         (week_b + timedelta(days=1), "09:00", "give",
                                          "In the second week"),
                                         (week_b + timedelta(days=2), "10:00", "give",
                                          "Also in the second week")])
        sign_in(page, site, "editor")
        open_week(page, site, channel_id, week_a - timedelta(weeks=1))
        number = week_a.isocalendar()[1]

        page.click("a[aria-label='Next week']")
        expect(page.locator("#cal-title")).to_contain_text(f"Week {number} ")
        page.click("a[aria-label='Next week']")  # the second click moves on again
        expect(page.locator("#cal-title")).to_contain_text(f"Week {number + 1} ")
        assert query(page)["date"] == week_b.isoformat()
        assert query(page)["channel"] == channel_id
        assert page.locator(".view-group a.active").inner_text() == "Week"
        button = page.locator(".submit-week button")
        assert button.inner_text() == f"Submit week {number + 1}: 2 posts"

        page.click(".view-group >> text=Month")
        page.wait_for_selector("#calendar.view-month")
        assert page.locator(".view-group a.active").inner_text() == "Month"
        assert query(page)["view"] == "month"

        page.click(".view-group >> text=Week")
        page.wait_for_selector("#calendar.view-week")
        page.select_option("select[name=kind]", "give")  # a filter keeps the week on screen
        expect(page).to_have_url(re.compile("kind=give"))
        assert query(page)["date"] == week_b.isoformat()
        assert f"Week {number + 1} " in title(page)

        page.go_back()
        expect(page).not_to_have_url(re.compile("kind=give"))
        page.go_back()
        page.wait_for_selector("#calendar.view-month")
        page.go_forward()
        page.wait_for_selector("#calendar.view-week")
        assert f"Week {number + 1} " in title(page)
        assert page.evaluate("window.__sameDocument") is True  # no full reloads on the way

        page.screenshot(path=str(artifacts_dir / "navigation-week.png"))
        page.once("dialog", lambda dialog: (
            dialog.message.startswith(f"Submit week {number + 1}") and dialog.accept()))
        page.locator(".submit-week button").click()
        page.locator(".flash", has_text=f"Submitted 2 posts of week {number + 1}").wait_for()
        assert statuses(site, channel_id) == {"In the first week": "draft",
                                              "In the second week": "submitted",
                                              "Also in the second week": "submitted"}

    def test_an_empty_week_says_no_posts(self, page, site):
        channel_id = seed_channel(site, [])
        sign_in(page, site, "viewer")
        open_week(page, site, channel_id, future_monday(45))
        words = page.locator(".gauges .gauge-words").first.inner_text()
        assert words == "No posts"


class TestTheTopBarMenus:
    def test_manage_opens_on_a_phone_and_closes_like_a_menu(self, browser, site, artifacts_dir):
        context = browser.new_context(viewport={"width": 390, "height": 800})
        page = context.new_page()
        sign_in(page, site, "admin")
        menu = page.locator("details.ws-manage")
        menu.locator("summary").click()
        links = menu.locator("ul a")
        assert links.count() == 3
        for i in range(3):
            box = links.nth(i).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        page.screenshot(path=str(artifacts_dir / "manage-menu-390.png"))
        page.keyboard.press("Escape")
        expect(menu).not_to_have_attribute("open", "")
        menu.locator("summary").click()
        expect(menu).to_have_attribute("open", "")
        page.click("h1")  # anywhere else
        expect(menu).not_to_have_attribute("open", "")
        links.first.wait_for(state="hidden")
        # The page is no wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        context.close()

    def test_the_post_page_of_its_own_saves_results_as_a_plain_form(self, browser, site):
        from tests.browser.test_improve_loop import _seed_posts

        channel_id = seed_channel(site)
        (post_id,) = _seed_posts(site, channel_id, [(future_monday(-2), "09:00", "give",
                                                     "A published tip")], status="published")
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        sign_in(page, site, "editor")
        page.goto(f"{site.url}/w/{site.workspace_id}/posts/{post_id}/edit")
        page.fill("#f-outcome-reach", "321")
        page.click(".outcome-form button[type=submit]")
        page.wait_for_load_state()
        expect(page.locator("#f-outcome-reach")).to_have_value("321")
        engine = make_engine(site.database_url)
        with Session(engine) as session:
            from app.models import PostOutcome

            row = session.get(PostOutcome, post_id)
            assert row is not None and row.reach == 321
        engine.dispose()
        context.close()
