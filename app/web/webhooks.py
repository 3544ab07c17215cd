"""The webhooks page (admins): add a webhook with the events it hears of, see its
secret once with how to verify deliveries, and per webhook the delivery log
with Resend, a test event, disable/enable and delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.auth import request_settings
from app.db import SessionDep, savepoint
from app.errors import AppError
from app.i18n import gettext as _
from app.routers import Router
from app.schemas_webhooks import EVENTS, WebhookCreate, WebhookUpdate
from app.services import webhooks as service
from app.services.access import Access
from app.services.webhook_delivery import GIVE_UP_AFTER
from app.web.deps import CsrfChecked, CurrentUser, WebAccess
from app.web.nav import nav
from app.web.render import render

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)



def event_words() -> dict[str, str]:
    """What each event tells of, in the reader's words."""
    return {
        "post.created": _("a post is planned"),
        "post.updated": _("a post is edited or sent back"),
        "post.deleted": _("a post is deleted"),
        "post.submitted": _("a post is submitted for review"),
        "post.approved": _("a post is approved"),
        "post.published": _("a post is published"),
        "week.approved": _("a week is approved"),
        "week.sent_back": _("a week is sent back"),
        "finding.added": _("a change makes the plan break the rhythm (a new finding)"),
    }


def _list_page(request: Request, session: Session, access: Access, user: Any, *,
               new: service.NewWebhook | None = None, values: dict[str, Any] | None = None,
               errors: dict[str, str] | None = None, status: int = 200) -> Response:
    hooks = service.list_webhooks(session=session, access=access)
    return render(request, "webhooks.html", {
        "user": user, "access": access, "workspace": access.workspace,
        "nav": nav(session, access, "webhooks"), "hooks": hooks,
        "counts": service.delivery_counts(session=session, access=access),
        "events": EVENTS, "event_words": event_words(), "new": new,
        "values": values or {"events": []}, "errors": errors or {}}, status_code=status)


@router.get("/webhooks", response_class=HTMLResponse)
def webhooks_page(request: Request, access: WebAccess, user: CurrentUser,
                  session: SessionDep) -> Response:
    return _list_page(request, session, access, user)


@router.post("/webhooks", response_class=HTMLResponse, dependencies=[CsrfChecked])
def create_webhook(request: Request, access: WebAccess, user: CurrentUser,
                   session: SessionDep, url: Annotated[str, Form()] = "",
                   events: Annotated[list[str] | None, Form()] = None,
                   description: Annotated[str, Form()] = "") -> Response:
    chosen = events or []
    values = {"url": url, "events": chosen, "description": description}
    try:
        with savepoint(session):
            new = service.create_webhook(
                session=session, access=access,
                data=WebhookCreate.model_construct(url=url, events=chosen,
                                                   description=description),
                allow_private=request_settings(request).webhooks_allow_private)
    except AppError as exc:
        errors = {e.field: e.message for e in exc.errors} or {"url": exc.detail}
        return _list_page(request, session, access, user, values=values, errors=errors,
                          status=exc.status)
    return _list_page(request, session, access, user, new=new)


@router.get("/webhooks/{webhook_id}", response_class=HTMLResponse)
def webhook_log(request: Request, webhook_id: str, access: WebAccess, user: CurrentUser,
                session: SessionDep, cursor: Annotated[str | None, Query()] = None) -> Response:
    hook = service.get_webhook(session=session, access=access, webhook_id=webhook_id)
    rows, next_cursor = service.deliveries(session=session, access=access,
                                           webhook_id=hook.id, limit=50, cursor=cursor)
    return render(request, "webhook_log.html", {
        "user": user, "access": access, "workspace": access.workspace,
        "nav": nav(session, access, "webhooks"), "hook": hook, "deliveries": rows,
        "next_cursor": next_cursor, "event_words": event_words(),
        "give_up_hours": int(GIVE_UP_AFTER.total_seconds() // 3600)})


def _back(access: Access, webhook_id: str | None = None) -> Response:
    path = f"/w/{access.workspace.id}/webhooks" + (f"/{webhook_id}" if webhook_id else "")
    return RedirectResponse(path, status_code=303)


def _switch(request: Request, webhook_id: str, access: Access, session: Session, *,
            disabled: bool) -> Response:
    service.update_webhook(session=session, access=access, webhook_id=webhook_id,
                           data=WebhookUpdate(disabled=disabled),
                           allow_private=request_settings(request).webhooks_allow_private)
    return _back(access, webhook_id)


@router.post("/webhooks/{webhook_id}/disable", dependencies=[CsrfChecked])
def disable(request: Request, webhook_id: str, access: WebAccess,
            session: SessionDep) -> Response:
    return _switch(request, webhook_id, access, session, disabled=True)


@router.post("/webhooks/{webhook_id}/enable", dependencies=[CsrfChecked])
def enable(request: Request, webhook_id: str, access: WebAccess,
           session: SessionDep) -> Response:
    return _switch(request, webhook_id, access, session, disabled=False)


@router.post("/webhooks/{webhook_id}/delete", dependencies=[CsrfChecked])
def delete(webhook_id: str, access: WebAccess, session: SessionDep) -> Response:
    service.delete_webhook(session=session, access=access, webhook_id=webhook_id)
    return _back(access)


@router.post("/webhooks/{webhook_id}/test", dependencies=[CsrfChecked])
def send_test(webhook_id: str, access: WebAccess, session: SessionDep) -> Response:
    service.send_test(session=session, access=access, webhook_id=webhook_id)
    return _back(access, webhook_id)


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/resend",
             dependencies=[CsrfChecked])
def resend(webhook_id: str, delivery_id: str, access: WebAccess,
           session: SessionDep) -> Response:
    service.resend(session=session, access=access, webhook_id=webhook_id,
                   delivery_id=delivery_id)
    return _back(access, webhook_id)
