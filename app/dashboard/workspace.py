"""The workspace's routers, in the order the app includes them."""

from __future__ import annotations

from fastapi import APIRouter

from app.dashboard import download, queue, report_page, router

ROUTERS: tuple[APIRouter, ...] = (router.router, queue.router, report_page.router, download.router)
