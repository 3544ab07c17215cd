"""The door for kept calendar reads on the event loop (services/kept_reads.py).

Only the plainest request comes this way: ``GET …/calendar`` with a bearer
token and nothing but ``start``, ``end`` and ``kind``, each once. The answer is
the same bytes and headers the route would send; anything the service does not
say yes to goes on to the route, untouched.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from app.schemas import parse_aware
from app.services.kept_reads import KeptReads

_PATH = re.compile(r"/api/v1/workspaces/([0-9A-Za-z-]{1,64})/calendar")
_PARAMETERS = frozenset({"start", "end", "kind"})
_KINDS = frozenset({"give", "ask"})


def _time(text: str | None) -> datetime | None:
    return None if text is None else parse_aware(text).astimezone(UTC)


def _bearer(scope: Scope) -> str | None:
    found = [value for name, value in scope["headers"] if name == b"authorization"]
    if len(found) != 1:
        return None
    scheme, _, secret = found[0].decode("latin-1").strip().partition(" ")
    secret = secret.strip()
    return secret if scheme.lower() == "bearer" and secret else None


class KeptCalendar:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            reads: KeptReads | None = getattr(scope["app"].state, "kept_reads", None)
            match = _PATH.fullmatch(scope["path"])
            if reads is not None and match is not None:
                body = await self._kept(reads, scope, match.group(1))
                if body is not None:
                    await send({"type": "http.response.start", "status": 200, "headers": [
                        (b"content-length", str(len(body)).encode()),
                        (b"content-type", b"application/json")]})
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)

    async def _kept(self, reads: KeptReads, scope: Scope, workspace_id: str) -> bytes | None:
        secret = _bearer(scope)
        if secret is None:
            return None
        try:
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True,
                              strict_parsing=False)
        except ValueError:
            return None
        query = dict(pairs)
        if len(query) != len(pairs) or not query.keys() <= _PARAMETERS:
            return None
        kind = query.get("kind")
        if kind is not None and kind not in _KINDS:
            return None
        try:
            start, end = _time(query.get("start")), _time(query.get("end"))
        except Exception:  # the route explains a bad time
            return None
        return await reads.calendar_json(secret=secret, workspace_id=workspace_id,
                                         start=start, end=end, kind=kind)
