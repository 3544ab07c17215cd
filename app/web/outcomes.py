"""A published post's results, entered in its dialog: a small form of its own
beside the post's (which a published post no longer takes), without JavaScript
too."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.db import SessionDep, savepoint
from app.errors import AppError, PreconditionFailed
from app.i18n import gettext as _
from app.routers import Router
from app.schemas_outcomes import FIGURES
from app.services import outcomes as outcome_service
from app.services import posts as post_service
from app.web import forms
from app.web.deps import CsrfChecked, CurrentUser, WebAccess
from app.web.planner import form_context, render_form
from app.web.render import is_htmx

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)


@router.post("/posts/{post_id}/outcome", response_class=HTMLResponse,
             dependencies=[CsrfChecked])
async def save_outcome(request: Request, post_id: str, access: WebAccess, user: CurrentUser,
                       session: SessionDep) -> Response:
    access.require("editor")
    post = post_service.get_post(session=session, access=access, post_id=post_id)
    form = await forms.read_form(request, FIGURES)
    data = forms.to_outcome(form)
    status = 422
    if data is not None:
        try:
            with savepoint(session):
                outcome = outcome_service.put_outcome(
                    session=session, access=access, post_id=post.id, data=data,
                    if_match=forms.version_of(form))
        except PreconditionFailed:
            fresh = outcome_service.get_outcome(session=session, access=access, post_id=post.id)
            form = forms.from_outcome(fresh.figures(), fresh.version)
            form.message = _("Someone else changed these results while you were entering "
                             "them. These are the results as they are now; enter your change "
                             "again.")
            status = 412
        except AppError as exc:
            form.take(exc)
            status = exc.status
        else:
            if not is_htmx(request):
                return RedirectResponse(f"/w/{access.workspace.id}/posts/{post.id}/edit",
                                        status_code=303)
            form = forms.from_outcome(outcome.figures(), outcome.version)
            form.message = _("Results saved.")
            status = 200
    post_form = forms.from_post(post, ZoneInfo(access.workspace.timezone))
    if post.status != "published":
        # The dialog of an unpublished post has no results to show the refusal beside.
        post_form.message = form.message
    context = form_context(request, session, access, user, post_form, post)
    context["outcome_form"] = form
    return render_form(request, context, status=status)
