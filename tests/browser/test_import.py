"""The import page in a real browser: an editor drops a Publer file on it, sees
every row with its kind and the findings the import would add, imports it and
finds the posts in the calendar."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, func, select

from app.db import make_engine
from app.models import Post
from tests.browser.conftest import sign_in
from tests.browser.test_calendar import seed_channel

PUBLER = Path(__file__).resolve().parent.parent / "data" / "imports" / "publer.csv"


def test_drop_a_publer_file_review_it_and_import(page, site, artifacts_dir):
    channel_id = seed_channel(site)
    sign_in(page, site, "editor")
    page.goto(f"{site.url}/w/{site.workspace_id}/import")
    # Drop the file on the zone, as a file dragged from the desktop arrives.
    page.evaluate("""([name, text]) => {
        const data = new DataTransfer();
        data.items.add(new File([text], name, {type: "text/csv"}));
        const zone = document.querySelector("[data-drop-zone]");
        zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: data, bubbles: true,
                                                      cancelable: true}));
        zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true,
                                                  cancelable: true}));
    }""", ["publer.csv", PUBLER.read_text(encoding="utf-8")])
    assert page.locator(".import-drop-hint").inner_text() == "publer.csv"
    page.select_option("#import-channel", channel_id)
    page.select_option("#import-kind", "give")
    # What the progress line says while the file goes up and the rows are checked.
    page.evaluate("""() => {
        window.statuses = [];
        new MutationObserver(() => {
            const line = document.querySelector(".import-status");
            if (line && !line.hidden) window.statuses.push(line.textContent);
        }).observe(document.body, {subtree: true, childList: true, characterData: true,
                                   attributes: true});
    }""")
    page.click("text=Check the file")
    try:
        page.wait_for_selector("text=Import 7 posts")
    finally:
        page.screenshot(path=str(artifacts_dir / "import-review.png"), full_page=True)
    statuses = page.evaluate("window.statuses")
    assert any(s.startswith("Sending the file") for s in statuses), statuses
    assert "Checking every row and what the rhythm check would add…" in statuses, statuses
    review = page.locator(".import-table tbody tr")
    assert review.count() == 7
    assert "from a label" in review.nth(0).inner_text()
    assert "default" in review.nth(6).inner_text()
    findings = page.locator(".import-findings li")
    assert findings.count() >= 1
    page.click("text=Import 7 posts")
    page.wait_for_selector("text=7 created, 0 skipped")
    page.screenshot(path=str(artifacts_dir / "import-done.png"))
    engine = make_engine(site.database_url)
    with Session(engine) as session:
        saved = session.exec(select(func.count()).select_from(Post).where(
            Post.channel_id == channel_id)).one()
    engine.dispose()
    assert saved == 7
    page.click("text=Open the calendar")
    page.wait_for_url(f"**/w/{site.workspace_id}/calendar**")
