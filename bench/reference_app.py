"""The in-memory reference that bench/http.py measures the calendar against.

A bare FastAPI app with nothing but the calendar's path: at startup it reads
the real app's calendar JSON for the week (a file named by
``GIVEASK_BENCH_REFERENCE_BODY``), turns the times the app wrote from
datetimes back into datetimes, and on each GET serialises that same body as
the app does (``orjson.dumps(..., option=OPT_UTC_Z)`` in a plain response,
from a sync endpoint in the thread pool). No database, no session, no
middleware: what FastAPI and uvicorn can do with this answer on this
machine, the ceiling the app's own figures are read against.

    GIVEASK_BENCH_REFERENCE_BODY=calendar.json \\
        python -m uvicorn --factory bench.reference_app:create_app --workers 2
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI, Response

BODY_ENV = "GIVEASK_BENCH_REFERENCE_BODY"
CALENDAR_PATH = "/api/v1/workspaces/{workspace_id}/calendar"
_UTC_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z\Z")


def revive(value: Any) -> Any:
    """The body with its RFC 3339 UTC times ("…Z") as aware datetimes again,
    so each answer costs orjson what the app's does."""
    if isinstance(value, dict):
        return {key: revive(item) for key, item in value.items()}
    if isinstance(value, list):
        return [revive(item) for item in value]
    if isinstance(value, str) and _UTC_TIME.match(value):
        return datetime.fromisoformat(value)
    return value


def create_app() -> FastAPI:
    body = revive(orjson.loads(Path(os.environ[BODY_ENV]).read_bytes()))
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    def healthz() -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    @app.get(CALENDAR_PATH)
    def calendar(workspace_id: str) -> Response:
        return Response(orjson.dumps(body, option=orjson.OPT_UTC_Z),
                        media_type="application/json")

    return app
