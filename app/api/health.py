from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from app.config import get_settings
from app.db import get_engine
from app.routers import Router

router = Router(tags=["health"])
# The check runs here, so the answer keeps its deadline while a hung database
# holds the check itself (which the engine's own timeouts end later). Two
# threads: checks stuck on a hung database never pile up past them.
_checks = ThreadPoolExecutor(max_workers=2, thread_name_prefix="healthz")


class Health(BaseModel):
    status: str = "ok"
    database: str = "ok"
    error: str | None = None


@router.get("/healthz", response_model=Health, responses={
    503: {"model": Health, "description": "The database does not answer"}})
def get_health(request: Request) -> JSONResponse:
    """Liveness and database reachability: 200 when the database answers, 503 if
    not, within ``health_timeout`` seconds even when the database hangs."""
    settings = getattr(request.app.state, "settings", None) or get_settings()
    future = _checks.submit(_ping)
    try:
        future.result(timeout=settings.health_timeout)
    except FutureTimeout:
        return _unhealthy("timeout", "TimeoutError", settings.db_retry_after)
    except Exception as exc:  # any failure to reach the database is "unhealthy"
        return _unhealthy("unreachable", type(exc).__name__, settings.db_retry_after)
    return JSONResponse({"status": "ok", "database": "ok"})


def _ping() -> None:
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("SELECT 1"))


def _unhealthy(database: str, error: str, retry_after: int) -> JSONResponse:
    return JSONResponse({"status": "unhealthy", "database": database, "error": error},
                        status_code=503, headers={"Retry-After": str(retry_after)})
