"""Rendering pages and fragments.

One page template with named blocks; an HTMX request gets just the block it
asked for (jinja2-fragments), a plain request the whole page.
"""

from __future__ import annotations

import itertools
import secrets
from pathlib import Path
from typing import Any, cast

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2_fragments import render_block
from jinja2_fragments.fastapi import Jinja2Blocks
from markupsafe import Markup

from app import i18n
from app.rules.facts import CATEGORIES_BY_KIND
from app.security import new_csrf_token, stored_csrf
from app.web.categories import category_label

TEMPLATES = Jinja2Blocks(directory=str(Path(__file__).parent / "templates"))
# Words in the reader's language (app/i18n.py): {{ _("…") }} and {% trans %}
# look them up per request, in macros as in pages.
TEMPLATES.env.add_extension("jinja2.ext.i18n")
# {% trans %} blocks' line breaks and indents are not part of their words.
TEMPLATES.env.policies["ext.i18n.trimmed"] = True
TEMPLATES.env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext)
TEMPLATES.env.globals["language"] = i18n.current
TEMPLATES.env.globals["languages"] = i18n.LANGUAGES
TEMPLATES.env.filters["when"] = i18n.when
TEMPLATES.env.filters["number"] = i18n.number
# Category names are values; pages show their labels (app/web/categories.py).
TEMPLATES.env.filters["category_label"] = category_label
TEMPLATES.env.globals["categories_by_kind"] = CATEGORIES_BY_KIND


def csrf_token(request: Request) -> str:
    token = stored_csrf(request.session)
    if not token:
        token = new_csrf_token()
        request.session["csrf"] = token
    return str(token)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


class KeptHtml:
    """A rendered block kept as UTF-8 bytes (the calendar's weeks: most of
    the page). A page shows it through its marker, a comment no escaped text
    can forge, which render() swaps for the bytes after the template ran: the
    kept HTML is never copied, escaped or encoded again."""

    __slots__ = ("body", "marker")
    _numbers = itertools.count()
    _process = secrets.token_hex(8)

    def __init__(self, html: str) -> None:
        self.body = html.encode()
        self.marker = Markup(f"<!--kept-html {self._process} {next(self._numbers)}-->")

    def __html__(self) -> str:
        return str(self.marker)

    def holding(self, *inner: KeptHtml) -> KeptHtml:
        """This block with the kept blocks it shows put in: kept on its own, it
        can never point at an inner block that was since computed again."""
        whole = KeptHtml("")
        body = self.body
        for part in inner:
            body = body.replace(part.marker.encode(), part.body, 1)
        whole.body = body
        return whole


# Where a kept block has a form, its CSRF token is this marker: each page
# puts in the token of its own session when it sends the block.
CSRF_MARKER = Markup(f"<!--csrf-token {KeptHtml._process}-->")
_CSRF_BYTES = CSRF_MARKER.encode()


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *,
    status_code: int = 200, block: str | None = None,
) -> HTMLResponse:
    """A template as the page's answer, the kept blocks in the context put in
    by their markers."""
    token = csrf_token(request)
    ctx = {"csrf_token": token, **(context or {})}
    if block is not None:
        response = TEMPLATES.TemplateResponse(request, name, ctx, status_code=status_code,
                                              block_name=block)
    else:
        response = TEMPLATES.TemplateResponse(request, name, ctx, status_code=status_code)
    kept = [value for value in ctx.values() if isinstance(value, KeptHtml)]
    if not kept:
        return cast(HTMLResponse, response)
    body = bytes(response.body)
    for part in kept:
        body = body.replace(part.marker.encode(), part.body, 1)
    return _with_body(response, body, token)


def render_kept(request: Request, part: KeptHtml) -> HTMLResponse:
    """A kept block as the whole answer (an HTMX swap), with this session's
    CSRF token put in."""
    return _with_body(HTMLResponse(b""), part.body, csrf_token(request))


def _with_body(response: Any, body: bytes, token: str) -> HTMLResponse:
    if _CSRF_BYTES in body:
        body = body.replace(_CSRF_BYTES, token.encode())
    headers = {k: v for k, v in response.headers.items()
               if k not in ("content-length", "content-type")}
    return HTMLResponse(body, status_code=response.status_code, headers=headers,
                        background=response.background)


def render_block_text(name: str, block: str, context: dict[str, Any]) -> KeptHtml:
    """One block of a template as HTML, to keep and put into pages as it is.
    Its forms carry ``CSRF_MARKER``: a kept block serves every session."""
    return KeptHtml(render_block(TEMPLATES.env, name, block,
                                 **{**context, "csrf_token": CSRF_MARKER}))


def render_error(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "title": title, "detail": detail,
                                          "user": None}, status_code=status)
