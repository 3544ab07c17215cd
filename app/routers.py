"""Routers that turn a request away by its path prefix before trying each route.

FastAPI tries an included router by matching every one of its routes, at
every level of inclusion and once more when it hands the request on, so a
request for the calendar was matched against most of the app's few hundred
routes, twice: a large share of a kept calendar's cost. A router whose prefix
(``/api/v1/workspaces/{workspace_id}/posts``) cannot start the path is passed
over with one regular expression; what matches is left to FastAPI as before.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope

_PARAMETER = re.compile(r"\\\{[^}]*\\\}")


def prefix_pattern(prefix: str) -> re.Pattern[str] | None:
    """The paths that a router with `prefix` can match; None for no prefix."""
    if not prefix:
        return None
    return re.compile(_PARAMETER.sub("[^/]+", re.escape(prefix)) + r"(?:/|$)")


class Router(APIRouter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._paths = prefix_pattern(self.prefix)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self._paths is not None and not self._paths.match(get_route_path(scope)):
            return Match.NONE, {}
        return super().matches(scope)
