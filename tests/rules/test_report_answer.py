"""The report's answer compares means of at least five asks' conversions each."""

from __future__ import annotations

from app.rules.report import MIN_GROUP, Figures, Tally, verdict


def tally(conversions: list[int | None]) -> Tally:
    found = Tally()
    for value in conversions:
        found.add(Figures(reach=100, engagements=5, conversions=value, entered=True))
    return found


def test_five_asks_with_only_clicks_and_one_conversion_prove_nothing():
    # Each group is "enough" (five asks with results), but holds one conversion.
    few = tally([1, None, None, None, None])
    many = tally([7, None, None, None, None])
    assert few.enough and many.enough
    assert verdict([("0-2", few), ("9+", many)]).answer == "too_few"


def test_five_conversions_each_are_compared():
    few = tally([1] * MIN_GROUP)
    many = tally([2, 3, 2, 3, 2])
    found = verdict([("0-2", few), ("3-5", Tally()), ("9+", many)])
    assert (found.answer, found.fewer, found.more) == ("yes", "0-2", "9+")
    assert (found.fewer_conversions, found.more_conversions) == (1.0, 2.4)


def test_the_groups_compared_are_the_outermost_with_enough_conversions():
    groups = [("0-2", tally([5] * 4)), ("3-5", tally([4] * 5)), ("6-8", tally([4] * 5)),
              ("9+", tally([9, None, None, None, None, None]))]
    found = verdict(groups)
    assert (found.answer, found.fewer, found.more) == ("same", "3-5", "6-8")
