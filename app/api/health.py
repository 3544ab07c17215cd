from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from app.db import get_engine

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str = "ok"
    database: str = "ok"
    error: str | None = None


@router.get("/healthz", response_model=Health, responses={
    503: {"model": Health, "description": "The database does not answer"}})
def get_health() -> JSONResponse:
    """Liveness and database reachability: 200 when the database answers, 503 if not."""
    try:
        engine = get_engine()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database is "unhealthy"
        return JSONResponse(
            {"status": "unhealthy", "database": "unreachable", "error": type(exc).__name__},
            status_code=503,
        )
    return JSONResponse({"status": "ok", "database": "ok"})
