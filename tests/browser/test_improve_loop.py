"""The Improve loop in a real browser: an editor plans a correction (its
checklist opens when the category is chosen), the lead sees it at once and
approves it on its own; the lead sets a capacity and sees who is over it on a
waiting week; the calendar and the approvals page carry the streak line; an
editor enters results from a CSV and the report shows them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlmodel import Session, select

from app.db import make_engine
from app.models import Membership, Post, PostOutcome, User
from tests.browser.conftest import Site, sign_in
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_calendar import BERLIN, future_monday, open_week, seed_channel


def _context(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  timezone_id="Europe/Berlin", bypass_csp=True)
    context.set_default_timeout(15_000)
    return context


def _user_id(site: Site, role: str) -> str:
    engine = make_engine(site.database_url)
    with Session(engine) as session:
        user_id = session.exec(select(User.id).where(User.email == site.accounts[role][0])).one()
    engine.dispose()
    return user_id


def _seed_posts(site: Site, channel_id: str, rows: list[tuple[date, str, str, str]], *,
                status: str, by: str | None = None) -> list[str]:
    """Posts straight into the database: (day, HH:MM, kind, text); their ids."""
    engine = make_engine(site.database_url)
    with Session(engine, expire_on_commit=False) as session:
        posts = []
        for day, clock, kind, text in rows:
            at = datetime.combine(day, time.fromisoformat(clock), tzinfo=BERLIN)
            post = Post(workspace_id=site.workspace_id, channel_id=channel_id, scheduled_at=at,
                        kind=kind, text=text, status=status, created_by_id=by,
                        published_at=at if status == "published" else None)
            session.add(post)
            posts.append(post)
        session.commit()
        ids = [p.id for p in posts]
    engine.dispose()
    return ids


def _status(site: Site, post_id: str) -> str:
    engine = make_engine(site.database_url)
    with Session(engine) as session:
        post = session.get(Post, post_id)
        status = post.status if post else ""
    engine.dispose()
    return status


class TestCorrections:
    def test_an_editor_plans_one_and_the_lead_approves_it_at_once(self, browser, site,
                                                                   artifacts_dir):
        monday = future_monday(46)
        channel_id = seed_channel(site, [(monday, "09:00", "give", "A tip for the week")])
        editor_context = _context(browser)
        editor = editor_context.new_page()
        sign_in(editor, site, "editor")
        open_week(editor, site, channel_id, monday)
        day = monday + timedelta(days=1)
        editor.click(f".day[data-day='{day.isoformat()}'] a.add")
        editor.wait_for_selector("#post-dialog[open] #f-text")
        checklist = editor.locator("#post-dialog .correction-checklist")
        assert checklist.get_attribute("open") is None  # closed until it is needed
        editor.check("#post-dialog input[name=kind][value=give]", force=True)
        editor.select_option("#f-category", "correction")
        assert checklist.get_attribute("open") is not None
        assert "What happened" in checklist.inner_text()
        editor.fill("#f-time", "10:30")
        editor.fill("#f-text", "Correction: yesterday's opening hours were wrong; we open at 8.")
        editor.screenshot(path=str(artifacts_dir / "correction-dialog.png"))
        editor.click("#post-dialog button[type=submit]")
        editor.wait_for_selector("#post-dialog", state="hidden")
        card = editor.locator(".post", has_text="yesterday's opening hours")
        card.wait_for()
        editor_context.close()

        lead_context = _context(browser)
        lead = lead_context.new_page()
        sign_in(lead, site, "lead")
        # The lead hears of it in the nav before opening anything.
        assert int(lead.locator(".ws-links .badge-lead").inner_text().split()[0]) >= 1
        lead.click(".ws-links >> text=Approvals")
        correction = lead.locator(".correction-card", has_text="yesterday's opening hours")
        correction.wait_for()
        post_id = correction.get_attribute("data-post")
        assert post_id and _status(site, post_id) == "draft"
        assert axe_violations(lead) == []
        lead.screenshot(path=str(artifacts_dir / "correction-approvals.png"), full_page=True)
        correction.locator("button", has_text="Approve this correction now").click()
        lead.wait_for_url("**/approvals?approved=1")
        assert lead.locator(".correction-card", has_text="yesterday's opening hours").count() == 0
        assert _status(site, post_id) == "approved"
        lead_context.close()


class TestCapacity:
    def test_the_lead_sets_it_and_sees_who_is_over(self, browser, site, artifacts_dir):
        monday = future_monday(44)
        channel_id = seed_channel(site)
        _seed_posts(site, channel_id, [
            (monday + timedelta(days=d), "09:00", "give", f"Useful thing {d}") for d in range(3)],
            status="submitted", by=_user_id(site, "editor"))
        week = f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"
        context = _context(browser)
        lead = context.new_page()
        sign_in(lead, site, "lead")
        lead.goto(f"{site.url}/w/{site.workspace_id}/approvals")
        row = lead.locator(".capacity-table tr", has_text="Editor Person")
        field = row.locator("input[name=capacity]")
        try:
            # A typo is refused next to its field, and nothing is saved.
            field.fill("-2")
            row.locator("button", has_text="Save").click()
            error = lead.locator(".capacity-table .field-error")
            error.wait_for()
            assert "whole number from 1 to" in error.inner_text()
            assert lead.locator(".capacity-table input[aria-invalid=true]").count() == 1
            assert lead.locator(f".week-card[data-week='{week}'] .over-capacity").count() == 0

            row = lead.locator(".capacity-table tr", has_text="Editor Person")
            row.locator("input[name=capacity]").fill("2")
            row.locator("button", has_text="Save").click()
            lead.wait_for_url("**/approvals?capacity=1#capacity")
            assert lead.locator(".flash").inner_text() == "The capacity is saved."
            over = lead.locator(f".week-card[data-week='{week}'] .over-capacity")
            assert over.inner_text().strip() == "Over capacity: Editor Person"
            assert lead.locator(".capacity-table tr", has_text="Editor Person").locator(
                "input[name=capacity]").input_value() == "2"
            assert axe_violations(lead) == []
            lead.screenshot(path=str(artifacts_dir / "capacity.png"), full_page=True)
            # The week's own review names the person and the numbers.
            lead.click(f".week-card[data-week='{week}'] a.card-link")
            lead.locator("text=Editor Person has 3 posts planned this week; their capacity "
                         "is 2.").first.wait_for()
        finally:
            # The site is shared: other tests' weeks must not gain a capacity note.
            engine = make_engine(site.database_url)
            with Session(engine) as session:
                for membership in session.exec(select(Membership).where(
                        Membership.workspace_id == site.workspace_id)).all():
                    membership.capacity = None
                    session.add(membership)
                session.commit()
            engine.dispose()
            context.close()


class TestStreaks:
    def test_the_calendar_and_approvals_show_the_streak_and_the_best(self, browser, site,
                                                                      artifacts_dir):
        this_monday = future_monday(0)
        weeks_ago = [this_monday - timedelta(weeks=n) for n in (5, 4, 3, 1)]
        channel_id = seed_channel(site)
        # Three weeks on rhythm, a silent week, then one more: 1 now, 3 the best.
        _seed_posts(site, channel_id, [(m + timedelta(days=1), "09:00", "give", "A tip")
                                       for m in weeks_ago], status="published")
        context = _context(browser)
        page = context.new_page()
        sign_in(page, site, "editor")
        open_week(page, site, channel_id, this_monday)
        line = page.locator("p.streaks:not(.streaks-loading)")
        line.wait_for()
        text = line.inner_text()
        assert "Channel" in text and ": 1 week on rhythm (best 3)" in text, text
        page.screenshot(path=str(artifacts_dir / "streaks-calendar.png"))
        context.close()

        lead_context = _context(browser)
        lead = lead_context.new_page()
        sign_in(lead, site, "lead")
        lead.goto(f"{site.url}/w/{site.workspace_id}/approvals")
        assert ": 1 week on rhythm (best 3)" in lead.locator("p.streaks").inner_text()
        lead_context.close()


class TestResultsImport:
    def test_an_editor_enters_results_from_a_csv(self, browser, site, artifacts_dir, tmp_path):
        last_monday = future_monday(-1)
        channel_id = seed_channel(site)
        post_ids = _seed_posts(site, channel_id, [
            (last_monday + timedelta(days=1), "09:00", "give", "A published tip"),
            (last_monday + timedelta(days=2), "09:00", "ask", "A published offer")],
            status="published")
        csv_file = tmp_path / "results.csv"
        csv_file.write_text("post_id,reach,engagements,conversions\n"
                            f"{post_ids[0]},1000,50,\n{post_ids[1]},800,16,4\n")
        context = _context(browser)
        page = context.new_page()
        sign_in(page, site, "editor")
        page.click(".ws-links >> text=Report")
        page.click(".report-enter a")
        page.wait_for_url("**/report/results")
        page.set_input_files("#import-file", str(csv_file))
        page.click("#import-check button[type=submit]")
        review = page.locator(".results-table")
        review.wait_for()
        assert review.locator("tbody tr").count() == 2
        assert "1,000" in review.inner_text()
        assert axe_violations(page) == []
        page.screenshot(path=str(artifacts_dir / "results-import.png"), full_page=True)
        page.click(".import-confirm button[type=submit]")
        page.locator(".import-result", has_text="Results entered for 2 posts").wait_for()
        engine = make_engine(site.database_url)
        with Session(engine) as session:
            rows = {r.post_id: r for r in session.exec(
                select(PostOutcome).where(PostOutcome.post_id.in_(post_ids))).all()}  # type: ignore[attr-defined]
        engine.dispose()
        assert (rows[post_ids[0]].reach, rows[post_ids[0]].conversions) == (1000, None)
        assert (rows[post_ids[1]].engagements, rows[post_ids[1]].conversions) == (16, 4)
        context.close()
