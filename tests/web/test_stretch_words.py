"""What a dense stretch says in one week of the calendar (and of a share link):
a week that keeps the ratio on its own is not told it breaks it."""

from __future__ import annotations

from app.web.calendar_view import Stretch


def stretch(asks: int, posts: int, *, before: bool = False, after: bool = False) -> Stretch:
    finding = {"uid": "f1", "details": {"max_ask_share": "1/5"}}
    return Stretch(finding=finding, channel="LinkedIn", first_day=0, last_day=6, asks=asks,
                   posts=posts, allowed="1 in 5", ask_ids=["a1"], continues_before=before,
                   continues_after=after)


def test_a_week_over_the_ratio_says_so():
    words = stretch(3, 7).words
    assert words == "3 of 7 LinkedIn posts this week are asks; the rhythm allows 1 in 5."
    assert stretch(3, 7).short == "3 of 7 are asks; 1 in 5 allowed"


def test_a_week_within_the_ratio_says_the_days_around_it_tip_it_over():
    words = stretch(1, 7, after=True).words
    assert words.startswith("1 of 7 LinkedIn posts this week is an ask, within 1 in 5 on its own")
    assert "with the days after it" in words
    assert "with the days before and after it" in stretch(1, 6, before=True, after=True).words
    assert stretch(1, 5, before=True).short == "1 of 5 are asks; too many with the days before it"
