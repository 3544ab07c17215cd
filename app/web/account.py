"""The signed-in person's own page: change the password, sign out everywhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.auth import account_policy, client_address, current_session, request_now
from app.db import SessionDep
from app.models import User
from app.services import account, sessions
from app.web.deps import CsrfChecked, CurrentUser
from app.web.render import render

router = APIRouter(prefix="/account", include_in_schema=False)


def _page(request: Request, session: Session, user: User, *,
          errors: dict[str, str] | None = None, message: str = "",
          status: int = 200) -> HTMLResponse:
    live = sessions.live_sessions(session=session, user_id=user.id, now=request_now(request),
                                  policy=account_policy(request).sessions)
    return render(request, "account.html", {"user": user, "errors": errors or {},
                                            "message": message, "live_sessions": live},
                  status_code=status)


@router.get("", response_class=HTMLResponse)
def account_page(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    return _page(request, session, user)


@router.post("/password", response_class=HTMLResponse, dependencies=[CsrfChecked])
def change_password(
    request: Request, user: CurrentUser, session: SessionDep,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
) -> Response:
    active = current_session(request, session)
    outcome = account.change_password(
        session=session, user=user, current_password=current_password,
        new_password=new_password, keep_session_id=active.row.id if active else None,
        address=client_address(request), now=request_now(request),
        policy=account_policy(request))
    if not outcome.ok:
        response = _page(request, session, user, errors=outcome.errors,
                         status=429 if outcome.retry_after is not None else 422)
        if outcome.retry_after is not None:
            response.headers["Retry-After"] = str(outcome.retry_after)
        return response
    others = outcome.ended_sessions
    return _page(request, session, user, message=(
        "Your password is changed. "
        + (f"{others} other session{'s' if others != 1 else ''} signed out."
           if others else "No other session was signed in.")))


@router.post("/sign-out-everywhere", dependencies=[CsrfChecked])
def sign_out_everywhere(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    sessions.end_user_sessions(session=session, user_id=user.id, now=request_now(request))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
