"""The web door: HTML pages and HTMX fragments onto the same services as the API."""

from app.routers import Router
from app.web import (
    account,
    acknowledgements,
    channels,
    connect,
    export,
    feeds,
    fixes,
    history,
    imports,
    members,
    outcome_import,
    outcomes,
    planner,
    report,
    reviews,
    routes,
    rules,
    series,
    settings,
    setup,
    shared,
    shares,
    stories,
    webhooks,
)

web_router = Router()
web_router.include_router(routes.router)
web_router.include_router(setup.router)
web_router.include_router(settings.router)
web_router.include_router(planner.router)
web_router.include_router(outcomes.router)
web_router.include_router(outcome_import.router)
web_router.include_router(reviews.router)
web_router.include_router(history.router)
web_router.include_router(report.router)
web_router.include_router(fixes.router)
web_router.include_router(acknowledgements.router)
web_router.include_router(stories.router)
web_router.include_router(series.router)
web_router.include_router(members.router)
web_router.include_router(channels.router)
web_router.include_router(connect.router)
web_router.include_router(imports.router)
web_router.include_router(export.router)
web_router.include_router(feeds.router)
web_router.include_router(account.router)
web_router.include_router(rules.router)
web_router.include_router(shares.router)
web_router.include_router(shared.router)
web_router.include_router(webhooks.router)

__all__ = ["web_router"]
