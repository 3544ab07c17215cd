"""Small HTTP helpers shared by the API routers: ETag, If-Match, Location."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.errors import BadRequest
from app.i18n import gettext as _
from app.schemas import AwareDatetime


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(value: str | None) -> int | None:
    """The version an If-Match header names; None when absent or '*'."""
    if value is None:
        return None
    text = value.strip()
    if text == "*":
        return None
    text = text.removeprefix("W/").strip().strip('"')
    # ASCII digits only ("²".isdigit() is true too), and no longer than a version
    # can be: int() of thousands of digits raises, and the database holds 64 bits.
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise BadRequest(
            _("If-Match must be an ETag this API gave out, like \"3\"."),
            errors=[],
            extra={"field": "header.If-Match"},
        )
    return int(text)


# A time in a query: an offset is required, as everywhere in the API.
TimeQuery = Annotated[
    AwareDatetime | None,
    Query(description="RFC 3339 with an offset, e.g. 2026-11-23T00:00:00+01:00"),
]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag you read; a write is refused with 412 if the resource changed since.",
        # Documented, not enforced here: parse_if_match answers a 400 that names the header.
        json_schema_extra={"pattern": r'^\s*(\*|(W/)?"?[0-9]{1,18}"?)\s*$'},
    ),
]


# The paging service checks the range with its own message; the document says it.
LimitQuery = Annotated[int | None, Query(
    description="1 to 500, default 50", json_schema_extra={"minimum": 1, "maximum": 500})]


def versioned(model: BaseModel, version: int, response: Response) -> BaseModel:
    response.headers["ETag"] = etag(version)
    return model


def created(
    request: Request, model: BaseModel, path: str, version: int | None = None
) -> JSONResponse:
    headers = {"Location": str(request.base_url).rstrip("/") + path}
    if version is not None:
        headers["ETag"] = etag(version)
    return JSONResponse(jsonable_encoder(model.model_dump(mode="json")), status_code=201,
                        headers=headers)


def page(items: list[Any], next_cursor: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor}
