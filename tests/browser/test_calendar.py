"""The calendar in a real browser: planning, warnings while planning, moving."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.db import make_engine
from app.models import Channel, Post
from tests.browser.conftest import Site, sign_in

BERLIN = ZoneInfo("Europe/Berlin")


def future_monday(weeks_ahead: int) -> date:
    today = datetime.now(BERLIN).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)


def seed_channel(site: Site, posts: list[tuple[date, str, str, str]] = ()) -> str:
    """A fresh channel (established long ago) with posts: (day, HH:MM, kind, text)."""
    engine = make_engine(site.database_url)
    with Session(engine, expire_on_commit=False) as session:
        channel = Channel(workspace_id=site.workspace_id, name=f"Channel {uuid.uuid4().hex[:6]}",
                          platform="mastodon", started_on=date(2024, 1, 1))
        session.add(channel)
        session.flush()
        for day, clock, kind, text in posts:
            session.add(Post(workspace_id=site.workspace_id, channel_id=channel.id,
                             scheduled_at=datetime.combine(day, time.fromisoformat(clock),
                                                           tzinfo=BERLIN),
                             kind=kind, text=text))
        session.commit()
        channel_id = channel.id
    engine.dispose()
    return channel_id


def open_week(page, site: Site, channel_id: str, monday: date, view: str = "week") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site.url}/w/{site.workspace_id}/calendar?view={view}&date={monday.isoformat()}"
              f"&channel={channel_id}")
    page.evaluate("window.__sameDocument = true")


def plan_post(page, day: date, clock: str, kind: str, text: str) -> None:  # type: ignore[no-untyped-def]
    page.click(f".day[data-day='{day.isoformat()}'] a.add")
    page.wait_for_selector("#post-dialog[open] #f-text")
    page.check(f"#post-dialog input[name=kind][value={kind}]", force=True)
    page.fill("#f-time", clock)
    page.fill("#f-text", text)
    page.click("#post-dialog button[type=submit]")
    page.wait_for_selector("#post-dialog", state="hidden")


class TestSignIn:
    def test_sign_in_lands_on_the_calendar_and_sign_out_leaves(self, page, site):
        sign_in(page, site, "editor")
        assert page.locator("#cal-title").inner_text().startswith("Week")
        page.click("text=Sign out")
        page.wait_for_url("**/login")
        page.goto(site.url + f"/w/{site.workspace_id}/calendar")
        assert "/login" in page.url


class TestPlanningWithWarnings:
    def test_eight_gives_then_an_ask_is_clean_and_a_second_ask_warns_live(
            self, page, site, artifacts_dir):
        channel_id = seed_channel(site)
        monday = future_monday(8)
        sign_in(page, site, "editor")
        open_week(page, site, channel_id, monday)
        for n in range(8):
            day = monday + timedelta(days=n // 2)
            plan_post(page, day, "09:00" if n % 2 == 0 else "15:00", "give", f"Helpful tip {n}")
        friday = monday + timedelta(days=4)
        plan_post(page, friday, "09:00", "ask", "Our winter blend is here")
        assert page.locator(".post").count() == 9
        assert page.locator(".post-ask").count() == 1
        assert page.locator(".post-ask .finding").count() == 0
        assert page.evaluate("window.__sameDocument") is True

        # The form warns before saving: an ask the day after an ask is too soon.
        saturday = friday + timedelta(days=1)
        page.click(f".day[data-day='{saturday.isoformat()}'] a.add")
        page.wait_for_selector("#post-dialog[open] #f-text")
        page.check("#post-dialog input[name=kind][value=ask]", force=True)
        page.fill("#f-text", "Last chance for the winter blend")
        warning = page.locator("#live-check [data-code=ask_too_soon]")
        warning.wait_for()
        assert "the rhythm asks for 9" in warning.inner_text()
        assert page.locator(".post").count() == 9  # nothing saved yet

        page.click("#post-dialog button[type=submit]")
        page.wait_for_selector("#post-dialog", state="hidden")
        saturday_cell = page.locator(f".day[data-day='{saturday.isoformat()}']")
        badge = saturday_cell.locator(".post-ask .finding[data-code=ask_too_soon]")
        badge.wait_for()
        assert page.evaluate("window.__sameDocument") is True  # no reload happened
        # The message is there for hover, focus and screen readers.
        badge.focus()
        tip = saturday_cell.locator(".post-ask .finding .tip").first
        assert tip.is_visible()
        assert "No gives since the last ask" in tip.inner_text()
        page.screenshot(path=str(artifacts_dir / "week.png"), full_page=True)

    def test_validation_errors_stand_next_to_the_field(self, page, site):
        channel_id = seed_channel(site)
        monday = future_monday(12)
        sign_in(page, site, "editor")
        open_week(page, site, channel_id, monday)
        page.click(f".day[data-day='{monday.isoformat()}'] a.add")
        page.wait_for_selector("#post-dialog[open] #f-text")
        page.click("#post-dialog button[type=submit]")
        error = page.locator("#post-dialog #text-error")
        error.wait_for()
        assert "text" in error.inner_text().lower()
        assert page.locator("#f-text").get_attribute("aria-invalid") == "true"
        assert page.locator(".post").count() == 0


class TestMoving:
    def test_drag_a_post_to_another_day_keeps_its_time(self, page, site):
        monday = future_monday(16)
        channel_id = seed_channel(site, [(monday, "10:30", "give", "Move me")])
        sign_in(page, site, "editor")
        open_week(page, site, channel_id, monday)
        thursday = monday + timedelta(days=3)
        page.drag_and_drop(f".day[data-day='{monday.isoformat()}'] .post",
                           f".day[data-day='{thursday.isoformat()}']")
        moved = page.locator(f".day[data-day='{thursday.isoformat()}'] .post")
        moved.wait_for()
        assert "10:30" in moved.locator(".post-time").inner_text()
        assert page.locator(f".day[data-day='{monday.isoformat()}'] .post").count() == 0
        assert page.evaluate("window.__sameDocument") is True

    def test_a_move_that_adds_warnings_asks_first(self, page, site):
        monday = future_monday(20)
        posts = [(monday + timedelta(days=n // 2), "09:00" if n % 2 == 0 else "15:00", "give",
                  f"give {n}") for n in range(8)]
        friday = monday + timedelta(days=4)
        posts.append((friday, "09:00", "ask", "the first ask, after eight gives"))
        channel_id = seed_channel(site, posts)
        sign_in(page, site, "editor")
        open_week(page, site, channel_id, monday)
        assert page.locator(".post-ask .finding").count() == 0
        page.drag_and_drop(f".day[data-day='{friday.isoformat()}'] .post-ask",
                           f".day[data-day='{monday.isoformat()}']")
        page.wait_for_selector("#post-dialog[open] .check-list")
        assert page.locator("#post-dialog [data-code=ask_too_early]").count() == 1
        page.click("text=Keep it where it is")
        assert page.locator(f".day[data-day='{friday.isoformat()}'] .post-ask").count() == 1

        page.drag_and_drop(f".day[data-day='{friday.isoformat()}'] .post-ask",
                           f".day[data-day='{monday.isoformat()}']")
        page.wait_for_selector("#post-dialog[open] .check-list")
        page.click("text=Move anyway")
        moved = page.locator(f".day[data-day='{monday.isoformat()}'] .post-ask")
        moved.wait_for()
        assert moved.locator(".finding[data-code=ask_too_early]").count() == 1
        assert "09:00" in moved.locator(".post-time").inner_text()


class TestViews:
    def test_month_view_shows_the_whole_month(self, page, site, artifacts_dir):
        sign_in(page, site, "editor")
        page.click(".view-group >> text=Month")
        page.wait_for_selector("#calendar.view-month")
        assert page.locator("#calendar .day").count() in (35, 42)
        page.screenshot(path=str(artifacts_dir / "month.png"), full_page=True)

    def test_script_in_a_post_is_shown_as_text(self, page, site):
        monday = future_monday(24)
        text = "<script>window.__pwned = 1</script><b>bold?</b>"
        channel_id = seed_channel(site, [(monday, "09:00", "give", text)])
        sign_in(page, site, "editor")
        open_week(page, site, channel_id, monday)
        card = page.locator(".post .post-text").first
        assert "<script>" in card.inner_text()
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.locator(".post b").count() == 0

    def test_viewer_sees_no_edit_controls(self, page, site):
        monday = future_monday(28)
        channel_id = seed_channel(site, [(monday, "09:00", "give", "Read only")])
        sign_in(page, site, "viewer")
        open_week(page, site, channel_id, monday)
        assert page.locator(".post").count() == 1
        assert page.locator("a.new-post").count() == 0
        assert page.locator(".day a.add").count() == 0
        assert page.locator(".post[draggable=true]").count() == 0
        page.click(".post .post-link")
        page.wait_for_selector("#post-dialog[open]")
        assert page.locator("#post-dialog button[type=submit]").count() == 0
        assert page.locator("#post-dialog fieldset").get_attribute("disabled") is not None

    def test_phone_width_stacks_the_days(self, browser, site):
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        sign_in(page, site, "editor")
        boxes = [page.locator(".grid .day").nth(i).bounding_box() for i in range(2)]
        assert boxes[1]["y"] > boxes[0]["y"]  # one day under the other
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        context.close()
