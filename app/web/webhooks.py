"""The webhooks page."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/w/{workspace_id}", include_in_schema=False)
