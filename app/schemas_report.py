"""The give/ask report as the API sends it (docs/report.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

RATE = "engagements / reach in percent, one decimal, over the posts with both; null: n/a"


class ReportMonth(BaseModel):
    month: str = Field(description="local month, YYYY-MM")
    posts: int
    gives: int
    asks: int
    give_engagement_rate: float | None = Field(description=RATE)
    ask_engagement_rate: float | None = Field(description=RATE)


class ReportChannel(BaseModel):
    channel_id: str
    name: str
    months: list[ReportMonth] = Field(description="the months with a published post")


class ReportGroup(BaseModel):
    group: Literal["0-2", "3-5", "6-8", "9+"]
    min_gives: int
    max_gives: int | None = Field(description="null: no upper bound")
    asks: int
    asks_with_outcomes: int
    mean_conversions: float | None = Field(
        description="over the asks with conversions entered, one decimal; null: n/a")
    engagement_rate: float | None = Field(description=RATE)
    enough: bool = Field(description="at least min_group asks with outcomes; false: too few "
                                     "to conclude anything")


class RhythmSide(BaseModel):
    weeks: int
    posts: int
    with_outcomes: int
    mean_conversions: float | None = Field(description="per published post with conversions "
                                                       "entered, one decimal; null: n/a")
    engagement_rate: float | None = Field(description=RATE)


class RhythmChannel(BaseModel):
    channel_id: str
    name: str
    on: RhythmSide
    off: RhythmSide


class RhythmTable(BaseModel):
    start: str = Field(description="the first Monday analysed (at most 104 weeks)")
    end: str
    channels: list[RhythmChannel]


class ReportAnswer(BaseModel):
    verdict: Literal["yes", "no", "same", "too_few"]
    fewer: str | None = Field(description="the group with the fewest gives compared")
    more: str | None = Field(description="the group with the most gives compared")
    sentence: str = Field(description="the answer in the reader's language")


class GiveAskReport(BaseModel):
    start: str
    end: str
    timezone: str
    min_group: int
    months: list[ReportMonth] = Field(description="every local month of the range, all channels")
    channels: list[ReportChannel]
    groups: list[ReportGroup]
    rhythm: RhythmTable
    answer: ReportAnswer
