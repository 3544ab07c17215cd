"""Webhooks: signed events to another tool's address (Standard Webhooks), and
each webhook's delivery log with "send again". Admins only."""

from __future__ import annotations

from typing import Literal

from fastapi import Request, Response

from app.api.http import LimitQuery, created
from app.auth import AdminAccess, request_settings
from app.db import SessionDep
from app.models import Webhook, WebhookDelivery
from app.routers import Router
from app.schemas import Page
from app.schemas_webhooks import (
    DeliveryPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
    WebhookUpdate,
)
from app.services import webhooks as service

router = Router(prefix="/api/v1/workspaces/{workspace_id}/webhooks", tags=["webhooks"])


def public(hook: Webhook) -> WebhookPublic:
    return WebhookPublic.model_validate({
        **hook.model_dump(exclude={"secret"}), "disabled": hook.disabled_at is not None,
        "created_by": hook.created_by_id})


def public_delivery(row: WebhookDelivery) -> DeliveryPublic:
    return DeliveryPublic.model_validate({
        **row.model_dump(),
        "next_attempt_at": row.next_attempt_at if row.status == "pending" else None})


def _allow_private(request: Request) -> bool:
    return request_settings(request).webhooks_allow_private


@router.get("", response_model=Page[WebhookPublic])
def list_webhooks(access: AdminAccess, session: SessionDep) -> dict[str, object]:
    """The workspace's webhooks, oldest first; never their secrets."""
    rows = service.list_webhooks(session=session, access=access)
    return {"items": [public(h) for h in rows], "next_cursor": None}


@router.post("", status_code=201, response_model=WebhookCreated)
def create_webhook(request: Request, workspace_id: str, data: WebhookCreate,
                   access: AdminAccess, session: SessionDep) -> Response:
    """Send these events to `url`. The answer carries the signing `secret`
    (`whsec_…`) once: store it to verify each delivery's `webhook-signature`."""
    new = service.create_webhook(session=session, access=access, data=data,
                                 allow_private=_allow_private(request))
    model = WebhookCreated.model_validate({**public(new.webhook).model_dump(),
                                           "secret": new.secret})
    return created(request, model,
                   f"/api/v1/workspaces/{workspace_id}/webhooks/{new.webhook.id}")


@router.get("/{webhook_id}", response_model=WebhookPublic)
def get_webhook(webhook_id: str, access: AdminAccess, session: SessionDep) -> WebhookPublic:
    return public(service.get_webhook(session=session, access=access, webhook_id=webhook_id))


@router.patch("/{webhook_id}", response_model=WebhookPublic)
def update_webhook(request: Request, webhook_id: str, data: WebhookUpdate,
                   access: AdminAccess, session: SessionDep) -> WebhookPublic:
    """Change the address, the events or the description, or disable it
    (`"disabled": true`: its pending events wait until it is enabled again)."""
    hook = service.update_webhook(session=session, access=access, webhook_id=webhook_id,
                                  data=data, allow_private=_allow_private(request))
    return public(hook)


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: str, access: AdminAccess, session: SessionDep) -> Response:
    """Delete the webhook and its delivery log; nothing more is sent to it."""
    service.delete_webhook(session=session, access=access, webhook_id=webhook_id)
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries", response_model=Page[DeliveryPublic])
def list_deliveries(webhook_id: str, access: AdminAccess, session: SessionDep,
                    status: Literal["pending", "delivered", "failed"] | None = None,
                    limit: LimitQuery = None, cursor: str | None = None) -> dict[str, object]:
    """The delivery log, newest first: each event, how it stands, its attempts and
    the receiver's last answer."""
    rows, next_cursor = service.deliveries(session=session, access=access,
                                           webhook_id=webhook_id, limit=limit, cursor=cursor,
                                           status=status)
    return {"items": [public_delivery(r) for r in rows], "next_cursor": next_cursor}


@router.post("/{webhook_id}/deliveries/{delivery_id}/resend", status_code=202,
             response_model=DeliveryPublic)
def resend(webhook_id: str, delivery_id: str, access: AdminAccess,
           session: SessionDep) -> DeliveryPublic:
    """Send the same message again (same `webhook-id` and body) as a new delivery,
    tried at once and retried for another day."""
    row = service.resend(session=session, access=access, webhook_id=webhook_id,
                         delivery_id=delivery_id)
    return public_delivery(row)


@router.post("/{webhook_id}/test", status_code=202, response_model=DeliveryPublic)
def send_test(webhook_id: str, access: AdminAccess, session: SessionDep) -> DeliveryPublic:
    """A `webhook.ping` event to this webhook, to check the receiver and its
    signature check."""
    row = service.send_test(session=session, access=access, webhook_id=webhook_id)
    return public_delivery(row)
