"""Reports stored directly, at a chosen moment, for tests of figures around time boundaries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.models import Report


def report_at(created: datetime, title: str, **overrides: Any) -> Report:
    """A local, unverified web complaint created (and last updated) at `created`."""
    values: dict[str, Any] = {
        "kind": "complaint",
        "title": title,
        "content": f"Isi laporan: {title.lower()}.",
        "channel": "web",
        "status": "unverified",
        "origin": "local",
        "created_at": created,
        "updated_at": created,
    }
    return Report(**{**values, **overrides})
