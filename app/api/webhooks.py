"""Webhooks: signed events to another tool's address (Standard Webhooks)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/workspaces/{workspace_id}/webhooks", tags=["webhooks"])
