"""The web door: HTML pages and HTMX fragments onto the same services as the API."""

from app.web.routes import router as web_router

__all__ = ["web_router"]
