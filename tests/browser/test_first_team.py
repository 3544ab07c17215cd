"""A team that has never seen Giveask, in the browser alone: a clean instance
(`giveask serve --no-demo`) → setup → workspace and two channels → a rules
preview, then save → invite a lead by link → the lead accepts in a second
browser → the admin plans and submits a week → the lead approves it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import _need_browser, served
from tests.browser.test_accessibility import axe_violations
from tests.conftest import migrate

PASSWORD = "first team passphrase 2026"


@pytest.fixture(scope="module")
def clean_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A clean instance, as `giveask serve --no-demo` starts one."""
    _need_browser()
    folder: Path = tmp_path_factory.mktemp("clean")
    database_url = f"sqlite:///{folder / 'clean.db'}"
    migrate(database_url)
    with served(folder, database_url, "--no-demo") as url:
        yield url


def next_monday() -> date:
    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=1)


def test_from_a_clean_instance_to_an_approved_first_week(browser, clean_url, artifacts_dir):
    # bypass_csp: axe-core is injected as a script, which the pages' CSP refuses.
    admin_context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                        timezone_id="Europe/Berlin", bypass_csp=True)
    admin_context.set_default_timeout(15_000)
    page = admin_context.new_page()

    # 1. Any page leads to setup; the browser's zone is picked.
    page.goto(clean_url + "/")
    page.wait_for_url("**/setup")
    assert page.locator("#f-timezone").input_value() == "Europe/Berlin"
    assert axe_violations(page) == []
    page.fill("#f-name", "Lena Vogel")
    page.fill("#f-email", "lena@team.test")
    page.fill("#f-password", PASSWORD)
    page.fill("#f-workspace_name", "Team Café")
    page.fill("#f-channel_0_name", "LinkedIn – Team")
    page.select_option("#f-channel_0_platform", "linkedin")
    page.fill("#f-channel_1_name", "Instagram – Team")
    page.select_option("#f-channel_1_platform", "instagram")
    page.screenshot(path=str(artifacts_dir / "first-setup.png"), full_page=True)
    page.click("button[type=submit]")
    page.wait_for_url("**/calendar**")
    workspace = page.url.split("/w/")[1].split("/")[0]
    ws = f"{clean_url}/w/{workspace}"

    # 2. The channels are there.
    page.goto(ws + "/channels")
    channels = page.locator("main").inner_text()
    assert "LinkedIn – Team" in channels and "Instagram – Team" in channels

    # 3. Rules: preview a preset, then save it.
    page.goto(ws + "/rules")
    assert page.locator("#f-listen_days").input_value() == "14"  # Beth Dunn's, in force
    page.check("input[name=preset][value=four_one_one]", force=True)
    # The boxes follow the preset picked (4-1-1 has no listening phase).
    assert page.locator("#f-listen_days").input_value() == ""
    page.click("button:has-text('Preview')")
    page.wait_for_load_state("networkidle")
    assert "would add" in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts_dir / "first-rules-preview.png"), full_page=True)
    page.click("button.btn-primary:has-text('Save')")
    page.wait_for_load_state("networkidle")
    page.goto(ws + "/rules")
    assert page.locator("input[name=preset][value=four_one_one]").is_checked()

    # 4. Invite a lead; the link is shown to copy.
    page.goto(ws + "/members")
    page.fill("#m-email", "sam@team.test")
    page.select_option("#m-role", "lead")
    page.click("button:has-text('Create invitation link')")
    link = page.locator("#invitation-link").input_value()
    assert "/invitations/gki_" in link

    # 5. The lead accepts in a browser of their own.
    lead_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    lead_context.set_default_timeout(15_000)
    lead = lead_context.new_page()
    lead.goto(link)
    lead.fill("#join-name", "Sam Lead")
    lead.fill("#join-password", PASSWORD)
    lead.click("button:has-text('Create my account and join')")
    lead.wait_for_url(f"**/w/{workspace}/calendar**")

    # 6. The admin plans next week with gives and submits it.
    monday = next_monday()
    page.goto(f"{ws}/calendar?view=week&date={monday.isoformat()}")
    for offset, text in enumerate(("How we roast our beans", "Three ways to brew at home",
                                   "Meet the team: Lena")):
        page.click(f".day[data-day='{(monday + timedelta(days=offset)).isoformat()}'] a.add")
        page.wait_for_selector("#post-dialog[open] #f-text")
        page.select_option("#post-dialog #f-channel", label="LinkedIn – Team")
        page.check("#post-dialog input[name=kind][value=give]", force=True)
        page.fill("#post-dialog #f-time", "09:00")
        page.fill("#post-dialog #f-text", text)
        page.click("#post-dialog .form-actions button[type=submit]")
        page.wait_for_selector("#post-dialog", state="hidden")
    page.once("dialog", lambda d: d.accept())
    page.click("button:has-text('Submit week')")
    page.locator(".flash", has_text="for review").wait_for()

    # 7. The lead approves the week.
    lead.goto(f"{ws}/approvals")
    lead.locator(".week-card a.card-link").first.click()
    lead.wait_for_load_state("networkidle")
    lead.screenshot(path=str(artifacts_dir / "first-week-review.png"), full_page=True)
    lead.click("button:has-text('Approve week')")
    lead.wait_for_url("**done=approved**")
    assert "approved by Sam Lead" in lead.locator(".decisions").inner_text()
    admin_context.close()
    lead_context.close()
