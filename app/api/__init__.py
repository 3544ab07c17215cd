"""The REST door: /api/v1, thin routes onto app.services."""

from app.api import (
    acknowledgements,
    analysis,
    channels,
    export,
    feeds,
    health,
    imports,
    members,
    outcomes,
    posts,
    report,
    reviews,
    rules_preview,
    series,
    share_links,
    stories,
    suggestions,
    tokens,
    webhooks,
    workspaces,
)
from app.api.openapi import route_operation_id
from app.routers import Router

api_router = Router(generate_unique_id_function=route_operation_id)
for module in (workspaces, channels, reviews, posts, stories, series, analysis, tokens, members,
               health):
    api_router.include_router(module.router)
api_router.include_router(suggestions.router)
api_router.include_router(acknowledgements.router)
api_router.include_router(rules_preview.router)
api_router.include_router(imports.router)
api_router.include_router(share_links.router)
api_router.include_router(export.router)
api_router.include_router(feeds.router)
api_router.include_router(webhooks.router)
api_router.include_router(outcomes.router)
api_router.include_router(report.router)
