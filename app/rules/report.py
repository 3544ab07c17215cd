"""The give/ask report's arithmetic: which group an ask falls into, the sums a
table row is made of, rounding, and the answer to "do our asks do better after
more gives?". Plain numbers in, plain numbers out (docs/report.md).

Means are computed exactly (fractions) and rounded once, half away from zero,
to one decimal: 2.25 conversions read 2.3, an engagement rate of 1/16 reads
6.3 (%). So a figure a team computes by hand is the figure it sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

# Fewer asks with results than this in a group, and the group proves nothing.
MIN_GROUP = 5

# (label, fewest gives, most gives or None for no upper bound), Beth Dunn's nine
# gives between asks falling into the last group.
GROUPS: tuple[tuple[str, int, int | None], ...] = (
    ("0-2", 0, 2), ("3-5", 3, 5), ("6-8", 6, 8), ("9+", 9, None))
# Counting further changes no group.
GIVES_CAP = 9


def group_of(gives_before: int) -> str:
    for label, low, high in GROUPS:
        if gives_before >= low and (high is None or gives_before <= high):
            return label
    raise ValueError(f"no group for {gives_before} gives")


def round1(value: Fraction) -> float:
    """One decimal, half away from zero, from the exact value."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Figures:
    """What one published post achieved, as far as it is known."""

    reach: int | None = None
    engagements: int | None = None
    conversions: int | None = None
    entered: bool = False  # an outcome was saved at all


@dataclass(slots=True)
class Tally:
    """The sums behind one row of the report."""

    posts: int = 0
    with_outcomes: int = 0
    conversions: int = 0
    with_conversions: int = 0
    engagements: int = 0
    reach: int = 0

    def add(self, figures: Figures) -> None:
        self.posts += 1
        if figures.entered:
            self.with_outcomes += 1
        if figures.conversions is not None:
            self.conversions += figures.conversions
            self.with_conversions += 1
        # The rate pairs a post's engagements with its own reach: a post with
        # only one of them known says nothing about the ratio.
        if figures.reach is not None and figures.engagements is not None:
            self.engagements += figures.engagements
            self.reach += figures.reach

    def mean_conversions_exact(self) -> Fraction | None:
        if not self.with_conversions:
            return None
        return Fraction(self.conversions, self.with_conversions)

    @property
    def mean_conversions(self) -> float | None:
        exact = self.mean_conversions_exact()
        return None if exact is None else round1(exact)

    @property
    def engagement_rate(self) -> float | None:
        """sum(engagements) / sum(reach) in percent, over the posts with both;
        None ("n/a") when there are none or their reach adds up to 0."""
        if not self.reach:
            return None
        return round1(Fraction(self.engagements * 100, self.reach))

    @property
    def enough(self) -> bool:
        return self.with_outcomes >= MIN_GROUP


@dataclass(frozen=True, slots=True)
class Verdict:
    """``answer``: "yes" (the group with the most gives converts better than the
    one with the fewest), "no", "same" or "too_few" (fewer than two groups with
    enough asks with known conversions); ``fewer``/``more`` name the two
    groups compared."""

    answer: str
    fewer: str | None = None
    more: str | None = None
    fewer_conversions: float | None = None
    more_conversions: float | None = None


def verdict(groups: list[tuple[str, Tally]]) -> Verdict:
    """Compare the fewest-gives and the most-gives group that each hold at least
    MIN_GROUP asks with conversions entered; by the rounded means, so the
    sentence never contradicts the table."""
    # Conversions of at least MIN_GROUP asks each: five asks with only clicks
    # entered and one conversion are one number, not a mean to compare.
    usable = [(label, tally) for label, tally in groups
              if tally.with_conversions >= MIN_GROUP]
    if len(usable) < 2:
        return Verdict("too_few")
    (low_label, low), (high_label, high) = usable[0], usable[-1]
    low_mean, high_mean = low.mean_conversions, high.mean_conversions
    assert low_mean is not None and high_mean is not None
    answer = "yes" if high_mean > low_mean else "no" if high_mean < low_mean else "same"
    return Verdict(answer, low_label, high_label, low_mean, high_mean)
