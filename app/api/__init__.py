"""The REST door: /api/v1, thin routes onto app.services."""

from fastapi import APIRouter

from app.api import (
    analysis,
    channels,
    health,
    members,
    posts,
    reviews,
    series,
    stories,
    tokens,
    workspaces,
)

api_router = APIRouter()
for module in (workspaces, channels, reviews, posts, stories, series, analysis, tokens, members,
               health):
    api_router.include_router(module.router)
