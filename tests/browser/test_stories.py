"""Stories and series in a real browser: an editor finishes a six-episode story
in the post dialog (warned live that it stalls), plans a weekly give beside it
on the series page, and sees both in the calendar and the story's pacing on the
story page."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from app.db import make_engine
from app.models import Post, Story
from tests.browser.conftest import Site, sign_in
from tests.browser.test_calendar import BERLIN, future_monday, open_week, seed_channel


def seed_story(site: Site, channel_id: str, episodes: list[tuple[date, int, str]]) -> Story:
    """A story (2 to 7 days between episodes, an ask after 3 gives) with episodes
    (day, number, kind) at 10:00."""
    engine = make_engine(site.database_url)
    with Session(engine, expire_on_commit=False) as session:
        story = Story(workspace_id=site.workspace_id, name=f"Winter launch {uuid.uuid4().hex[:4]}",
                      goal="Sell the winter blend without shouting", min_gap_days=2,
                      max_gap_days=7, min_gives_before_ask=3)
        session.add(story)
        session.flush()
        for day, number, kind in episodes:
            session.add(Post(workspace_id=site.workspace_id, channel_id=channel_id,
                             scheduled_at=datetime.combine(day, time(10, 0), tzinfo=BERLIN),
                             kind=kind, text=f"Winter story, part {number}", story_id=story.id,
                             episode=number))
        session.commit()
    engine.dispose()
    return story


class TestStoryAndSeries:
    def test_a_six_episode_story_beside_a_weekly_series(self, page, site, artifacts_dir):
        monday = future_monday(40)
        channel_id = seed_channel(site)
        d = [monday + timedelta(days=n) for n in range(21)]
        story = seed_story(site, channel_id, [
            (d[0], 1, "give"), (d[1], 2, "give"),  # one day apart: rushed
            (d[4], 3, "give"), (d[7], 4, "ask"), (d[9], 5, "give")])
        sign_in(page, site, "editor")

        # Episode 6, planned in the dialog ten days after episode 5: the live
        # check warns that the story stalls before anything is saved.
        open_week(page, site, channel_id, monday + timedelta(days=14))
        page.click(f".day[data-day='{d[19].isoformat()}'] a.add")
        page.wait_for_selector("#post-dialog[open] #f-text")
        page.fill("#f-time", "10:00")
        page.fill("#f-text", "Winter story, the finale")
        page.select_option("#f-story", story.id)
        page.fill("#f-episode", "6")
        page.locator("#live-check [data-code=story_stalled]").wait_for()
        page.click("#post-dialog button[type=submit]")
        page.wait_for_selector("#post-dialog", state="hidden")
        finale = page.locator(f".day[data-day='{d[19].isoformat()}'] .post")
        assert finale.locator(".chip-story").text_content() == f"{story.name} · Ep 6"
        assert finale.locator(".finding[data-code=story_stalled]").count() == 1

        # A weekly give on Wednesdays at 12:00, three times, beside the story.
        page.goto(f"{site.url}/w/{site.workspace_id}/series")
        page.fill("#r-name", "Brew tip Wednesday")
        page.select_option("#r-channel", channel_id)
        page.select_option("#r-category", "help")
        page.fill("#r-text", "This week's brewing tip.")
        page.fill("#r-start", d[2].isoformat())
        page.fill("#r-time", "12:00")
        page.select_option("#r-repeat", "weekly")
        page.fill("input[name=count]", "3")
        page.click(".series-form button[type=submit]")
        page.wait_for_url("**/series/*")
        assert page.locator("table.occurrences tbody tr").count() == 3
        assert "Every week on Wed" in page.locator(".lede").inner_text()

        # The first week: three episodes with their chips, the series on Wednesday.
        open_week(page, site, channel_id, monday)
        chips = page.locator(".chip-story").all_text_contents()
        assert chips == [f"{story.name} · Ep {n}" for n in (1, 2, 3)]
        wednesday = page.locator(f".day[data-day='{d[2].isoformat()}'] .post")
        assert wednesday.locator(".chip-series").inner_text() == "↻ Brew tip Wednesday"
        assert "12:00" in wednesday.locator(".post-time").inner_text()
        second = page.locator(f".day[data-day='{d[1].isoformat()}'] .post")
        assert second.locator(".finding[data-code=story_rushed]").count() == 1
        page.screenshot(path=str(artifacts_dir / "story-week.png"), full_page=True)

        # The story page: six episodes in order, and its pacing findings.
        page.click(".ws-links >> text=Stories")
        page.click(f"text={story.name}")
        page.wait_for_selector(".story-timeline")
        assert page.locator(".story-episode").count() == 6
        numbers = page.locator(".story-episode .episode-number").all_inner_texts()
        assert numbers == [f"Ep {n}" for n in range(1, 7)]
        pacing = page.locator(".story-findings .finding-line")
        assert sorted(pacing.evaluate_all("els => els.map(e => e.dataset.code)")) == [
            "story_rushed", "story_stalled"]
        assert "episodes 2 to 7 days apart" in page.locator(".story-pace").inner_text()
        page.screenshot(path=str(artifacts_dir / "story.png"), full_page=True)
