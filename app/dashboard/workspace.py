"""The workspace's routers, in the order the app includes them (the fallback last)."""

from __future__ import annotations

from fastapi import APIRouter

from app.dashboard import download, identity_erasure, queue, report_page, router
from app.dashboard.fallback import fallback_router

PAGES: tuple[APIRouter, ...] = (
    router.router,
    queue.router,
    report_page.router,
    identity_erasure.router,
    download.router,
)
ROUTERS: tuple[APIRouter, ...] = (*PAGES, fallback_router(PAGES))
