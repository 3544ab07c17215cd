"""The give/ask report in a real browser, on a fresh instance that loaded the
demo (`giveask serve --demo`): the lead opens it from the nav, reads the answer,
both charts and their tables, with JavaScript off too; no serious axe finding;
a screenshot goes to test-artifacts/report.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.demo import DEMO_EMAIL, DEMO_PASSWORDS
from tests.browser.conftest import _need_browser, served
from tests.browser.test_accessibility import axe_violations
from tests.conftest import migrate


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _need_browser()
    folder: Path = tmp_path_factory.mktemp("demo")
    database_url = f"sqlite:///{folder / 'demo.db'}"
    migrate(database_url)
    with served(folder, database_url, "--demo") as url:
        yield url


def sign_in(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/login")
    page.fill("#email", DEMO_EMAIL.format(role="lead"))
    page.fill("#password", DEMO_PASSWORDS["lead"])
    page.click("button[type=submit]")
    page.wait_for_url("**/w/*/calendar**")


def test_the_demo_report(browser, demo_url, artifacts_dir):
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  timezone_id="Europe/Berlin", bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, demo_url)
    page.click("nav.ws-links >> text=Report")
    page.wait_for_url("**/report")
    assert page.locator("h1").inner_text() == "Give/ask report"
    # The demo's asks after nine gives convert better than those after one.
    assert page.locator(".report-answer .answer").inner_text().startswith("Yes: asks after 9")
    assert page.locator("svg.chart").count() == 2
    assert page.locator("svg.chart rect.bar-ask").count() >= 4
    assert page.locator("svg.chart rect.bar-give").count() >= 2
    assert page.locator("tr.too-few-note").count() >= 1
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts_dir / "report.png"), full_page=True)
    context.close()

    # Without JavaScript the page is the same: the charts are drawn on the server.
    bare = browser.new_context(viewport={"width": 900, "height": 900}, java_script_enabled=False)
    plain = bare.new_page()
    sign_in(plain, demo_url)
    plain.goto(plain.url.split("/calendar")[0] + "/report")
    assert plain.locator("svg.chart").count() == 2
    assert plain.locator(".report-table").count() >= 3
    bare.close()
