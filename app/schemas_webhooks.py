"""Request and response bodies of webhooks and their delivery log, and the
events a webhook may subscribe to."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.schemas import Strict, UtcOut

# What a webhook can hear of, in the order the pages list them.
EVENTS: tuple[str, ...] = (
    "post.created", "post.updated", "post.deleted", "post.submitted", "post.approved",
    "post.published", "week.approved", "week.sent_back", "finding.added",
)
# Sent on request only ("Send a test event"), whatever a webhook subscribes to.
PING = "webhook.ping"


class WebhookCreate(Strict):
    url: str = Field(max_length=2048, description="Where events are POSTed: https://…")
    events: list[str] = Field(description=f"Any of: {', '.join(EVENTS)}")
    description: str = Field(default="", max_length=120)


class WebhookUpdate(Strict):
    url: str | None = Field(default=None, max_length=2048)
    events: list[str] | None = None
    description: str | None = Field(default=None, max_length=120)
    disabled: bool | None = Field(default=None, description="true: stop sending; pending "
                                  "events wait until it is enabled again")


class WebhookPublic(BaseModel):
    id: str
    url: str
    events: list[str]
    description: str
    disabled: bool
    disabled_at: UtcOut | None
    created_by: str | None
    created_at: UtcOut


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="whsec_…: verifies the webhook-signature of every "
                                    "delivery. Shown once; store it now.")


class DeliveryPublic(BaseModel):
    id: str
    message_id: str = Field(description="The webhook-id header: the same on every attempt")
    event: str
    status: str = Field(description="pending, delivered or failed")
    attempts: int
    last_status_code: int | None
    last_error: str
    last_attempt_at: UtcOut | None
    next_attempt_at: UtcOut | None = Field(description="When it is tried next (pending only)")
    created_at: UtcOut
    payload: dict[str, object]


class DeliveryTimes(BaseModel):
    """For the page: when a delivery was last tried and is tried next."""

    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
