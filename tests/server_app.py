"""The real app with two routes that crash, for tests that run it under uvicorn:
`uvicorn --factory tests.server_app:make`."""

from __future__ import annotations

from fastapi import FastAPI

from app.main import create_app


def _crash() -> None:
    raise RuntimeError("a bug in a route")


def make() -> FastAPI:
    app = create_app()
    app.add_api_route("/api/v1/test/crash", _crash, methods=["GET", "POST"])
    app.add_api_route("/test/crash", _crash, methods=["GET"])
    return app
