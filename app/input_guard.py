"""The first check every request passes, before routing, parsing or a session.

It reads the body while it streams in and stops at the size limit (chunked bodies
included: a 413 as soon as the limit is passed, nothing more read), then looks at
every string the app will see: path segments, query parameters, header values,
JSON bodies at any depth and form fields. A NUL byte or a lone UTF-16 surrogate
can never be stored (PostgreSQL refuses both in text, SQLite and the date code
choke on them), so either is a 422 naming the field, on every database alike.
The body, once checked, is handed to the app as it came.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from fastapi.routing import iter_route_contexts
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import i18n
from app.api import problems
from app.i18n import gettext as _
from app.i18n import pgettext
from app.speaking import cookie_language

MAX_BODY_BYTES = 1_000_000
# A CSV import (of posts or of outcomes, by API or page) carries a whole plan: its own limit
# (app/services/imports.py MAX_IMPORT_BYTES) plus room for a multipart form's other fields.
LARGE_BODY_PATHS = re.compile(
    r"^/(api/v1/workspaces|w)/[^/]+/(imports?|outcomes/import|report/results)(/|$)")
LARGE_BODY_BYTES = 5_000_000 + 64_000
MAX_JSON_DEPTH = 64

_SURROGATE = re.compile("[\ud800-\udfff]")


def nul_text() -> str:
    return _("must not contain NUL bytes (\\u0000)")


def surrogate_text() -> str:
    return _("must not contain lone UTF-16 surrogates (like \\ud800)")


def is_api_path(path: str) -> bool:
    return path.startswith("/api/") or path in ("/healthz", "/openapi.json")


def bad_text(value: str) -> str | None:
    """Why `value` may not reach the app, or None."""
    if "\x00" in value:
        return nul_text()
    if _SURROGATE.search(value):
        return surrogate_text()
    return None


def error_response(
    scope: Scope, status: int, title: str, detail: str, *, slug: str,
    errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
) -> Response:
    """problem+json for the API, the error page for everything else."""
    if is_api_path(scope.get("path", "")):
        return problems.problem(status, title, detail, slug=slug, errors=errors,
                                headers=headers)
    from app.web.render import render_error

    page: Response
    try:
        page = render_error(Request(scope), status, title, detail)
    except Exception:  # the page needs templates and a session; never fail the failure
        page = PlainTextResponse(f"{title}. {detail}", status_code=status)
    page.headers.update(headers or {})
    return page


def _invalid(scope: Scope, errors: list[dict[str, Any]]) -> Response:
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return error_response(scope, 422, pgettext("problem", "Invalid input"), summary,
                          slug="validation", errors=errors)


# ---- where the bad strings are --------------------------------------------------------


def _path_errors(scope: Scope) -> list[dict[str, Any]]:
    path = scope.get("path", "")
    why = bad_text(path)
    if why is None:
        return []
    # The route the path would reach names the segment ("path.post_id"); a route
    # that matches by path but not by method names it as well. Only bad paths
    # get here, so walking the route table costs nothing on good requests.
    app = scope.get("app")
    params: dict[str, Any] | None = None
    for context in iter_route_contexts(getattr(app, "routes", ())):
        regex = getattr(context, "path_regex", None)
        found = regex.match(path) if regex is not None else None
        if found is None:
            continue
        if params is None or scope.get("method") in (context.methods or ()):
            params = found.groupdict()
            if scope.get("method") in (context.methods or ()):
                break
    named = [{"field": f"path.{name}", "message": bad}
             for name, value in (params or {}).items()
             if isinstance(value, str) and (bad := bad_text(value))]
    return named or [{"field": "path", "message": why}]


def _pairs_errors(pairs: list[tuple[str, str]], prefix: str) -> list[dict[str, Any]]:
    errors = []
    for key, value in pairs:
        if why := bad_text(key):
            errors.append({"field": prefix.rstrip("."),
                           "message": _("a parameter name %(why)s") % {"why": why}})
        elif why := bad_text(value):
            errors.append({"field": f"{prefix}{key}", "message": why})
    return errors


def _query_errors(scope: Scope) -> list[dict[str, Any]]:
    raw = scope.get("query_string", b"")
    if not raw:
        return []
    # Decoded as Starlette decodes it, so we see what the route would see.
    return _pairs_errors(parse_qsl(raw.decode("latin-1"), keep_blank_values=True), "query.")


def _header_errors(scope: Scope) -> list[dict[str, Any]]:
    return [{"field": f"header.{name.decode('latin-1')}", "message": nul_text()}
            for name, value in scope.get("headers", ()) if b"\x00" in value]


def _json_strings(document: Any) -> Iterator[tuple[str, str, bool]]:
    """(field, text, is_key) for every string in a JSON document, named as the
    validation errors name body fields ("text", "post.scheduled_at", "skipped_dates.0")."""
    stack: list[tuple[str, Any, int]] = [("", document, 0)]
    while stack:
        where, value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _TooDeep
        if isinstance(value, str):
            yield where or "body", value, False
        elif isinstance(value, dict):
            for key, item in value.items():
                yield where or "body", key, True
                stack.append((f"{where}.{key}" if where else str(key), item, depth + 1))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                stack.append((f"{where}.{index}" if where else str(index), item, depth + 1))


class _TooDeep(Exception):
    pass


def _json_errors(body: bytes) -> list[dict[str, Any]] | None:
    """Errors in a JSON body; None when it is too deeply nested to check."""
    try:
        document = json.loads(body)
    except RecursionError:
        return None
    except ValueError:
        return []  # malformed JSON: the route answers 400, as for any bad body
    errors = []
    try:
        for where, text, is_key in _json_strings(document):
            if why := bad_text(text):
                message = _("a key %(why)s") % {"why": why} if is_key else why
                errors.append({"field": where, "message": message})
    except _TooDeep:
        return None
    return errors


def _multipart_fields(body: bytes, boundary: bytes) -> list[tuple[str, str]]:
    """The text fields of a multipart body (files are skipped), decoded as
    Starlette decodes them; nothing at all if the body does not parse."""
    fields: list[tuple[str, str]] = []
    header_field, header_value = bytearray(), bytearray()
    part: dict[str, Any] = {}

    def on_part_begin() -> None:
        part.clear()
        part.update(headers={}, data=bytearray())

    def on_header_end() -> None:
        part["headers"][bytes(header_field).lower()] = bytes(header_value)
        header_field.clear()
        header_value.clear()

    def on_part_end() -> None:
        _kind, options = parse_options_header(part["headers"].get(b"content-disposition", b""))
        if b"filename" in options:
            return
        name = options.get(b"name", b"").decode("utf-8", "replace")
        data = bytes(part["data"])
        try:
            fields.append((name, data.decode("utf-8")))
        except UnicodeDecodeError:
            fields.append((name, data.decode("latin-1")))

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin,
        "on_header_field": lambda data, start, end: header_field.extend(data[start:end]),
        "on_header_value": lambda data, start, end: header_value.extend(data[start:end]),
        "on_header_end": on_header_end,
        "on_part_data": lambda data, start, end: part["data"].extend(data[start:end]),
        "on_part_end": on_part_end,
    })
    try:
        parser.write(body)
        parser.finalize()
    except Exception:  # a malformed body: the route answers it
        return []
    return fields


def _body_errors(scope: Scope, body: bytes) -> list[dict[str, Any]] | None:
    if not body:
        return []
    header = b""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            header = value
    content_type, options = parse_options_header(header)
    kind = content_type.decode("latin-1").lower()
    if kind == "application/json" or kind.endswith("+json"):
        return _json_errors(body)
    if kind == "application/x-www-form-urlencoded":
        return _pairs_errors(parse_qsl(body.decode("latin-1"), keep_blank_values=True), "")
    if kind == "multipart/form-data" and options.get(b"boundary"):
        return _pairs_errors(_multipart_fields(body, options[b"boundary"]), "")
    return []


# ---- the middleware -------------------------------------------------------------------


class InputGuard:
    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    def _too_large(self, scope: Scope, detail: str) -> Response:
        # The rest of the body is never read; closing the connection tells the
        # client to stop sending it.
        return error_response(scope, 413, pgettext("problem", "Request too large"), detail,
                              slug="too-large", headers={"Connection": "close"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # This door answers before the Language middleware runs (app/speaking.py):
        # its refusals speak as the headers ask, the same way.
        headers = dict(scope.get("headers", ()))
        i18n.begin(cookie=cookie_language(headers.get(b"cookie", b"").decode("latin-1")),
                   accept_language=headers.get(b"accept-language", b"").decode("latin-1"),
                   scripted=False)
        errors = _path_errors(scope) + _query_errors(scope) + _header_errors(scope)
        if errors:
            await _invalid(scope, errors)(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = max(self.limit, LARGE_BODY_BYTES) if LARGE_BODY_PATHS.match(path) else self.limit
        if path.startswith("/w/") and limit > self.limit:
            # The import page sends a checked file back as base64 (4/3 of its size).
            limit = LARGE_BODY_BYTES * 4 // 3 + 64_000
        declared = dict(scope.get("headers", ())).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._too_large(
                scope, _("The body is %(size)d bytes; the limit is %(limit)d.") % {
                    "size": int(declared), "limit": limit}
            )(scope, receive, send)
            return

        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away; nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(
                    scope, _("The body is more than the limit of %(limit)d bytes.") % {
                        "limit": limit}
                )(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)

        body_errors = _body_errors(scope, body)
        if body_errors is None:
            await error_response(
                scope, 400, pgettext("problem", "Malformed JSON"),
                _("The JSON body is nested more than %(most)d levels deep.") % {
                    "most": MAX_JSON_DEPTH},
                slug="malformed-json",
                errors=[{"field": "body", "message": _("is nested too deeply")}],
            )(scope, receive, send)
            return
        if body_errors:
            await _invalid(scope, body_errors)(scope, receive, send)
            return

        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
