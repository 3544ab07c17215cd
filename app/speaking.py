"""Sets each request's language (app/i18n.py) before anything else reads it.

The headers give the switcher's cookie and Accept-Language; the person's own
choice and the workspace's default are added where they are found (app/auth.py,
app/web/deps.py, app/services/access.py). See docs/i18n.md for the order.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from starlette.types import ASGIApp, Receive, Scope, Send

from app import i18n

LANGUAGE_COOKIE = "giveask_lang"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def cookie_language(cookie_header: str | None) -> str | None:
    if not cookie_header:
        return None
    try:
        cookies = SimpleCookie(cookie_header)
    except CookieError:
        return None
    morsel = cookies.get(LANGUAGE_COOKIE)
    return morsel.value if morsel is not None and morsel.value in i18n.LANGUAGES else None


class Language:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # A page's own calls to the API carry the cookie session and speak
            # as the page does; a token's call is scripted (app/auth.py says which).
            i18n.begin(cookie=cookie_language(_header(scope, b"cookie")),
                       accept_language=_header(scope, b"accept-language"),
                       scripted=False)
        await self.app(scope, receive, send)
