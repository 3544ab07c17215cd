"""A tiny app that names its process, for tests of app/serving.py:
`python -m app.serving --factory tests.pid_app:make`."""

from __future__ import annotations

import os

from fastapi import FastAPI


def make() -> FastAPI:
    app = FastAPI()

    @app.get("/pid")
    def pid() -> int:
        return os.getpid()

    return app
