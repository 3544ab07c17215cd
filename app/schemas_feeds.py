"""Request and response bodies of the calendar feeds."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.schemas import Strict, UtcOut


class FeedCreate(Strict):
    """A feed of the whole workspace, or of one channel (``channel_id``)."""

    channel_id: str | None = Field(default=None, max_length=36)
    name: str = Field(default="", max_length=120,
                      description="Your label for it, such as the calendar app it is for.")


class FeedPublic(BaseModel):
    id: str
    channel_id: str | None
    name: str
    prefix: str = Field(description="The secret's first characters, to tell feeds apart.")
    created_by: str | None
    created_at: UtcOut


class FeedCreated(FeedPublic):
    url: str = Field(description="The feed's secret address. Shown once; only a hash of its "
                                 "secret is stored. Whoever has it can read the plan.")
    webcal_url: str = Field(description="The same address as webcal://, which calendar apps "
                                        "open as a subscription.")
