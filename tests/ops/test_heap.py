"""The collector is tuned once per process when the app starts (app.runtime.heap)."""

from __future__ import annotations

import gc
from typing import Any

from app.runtime.heap import GEN0_THRESHOLD, settle_heap


async def test_a_started_app_freezes_its_heap_and_raises_the_first_threshold(app: Any) -> None:
    # The `app` fixture ran the lifespan: what it built is frozen, out of the collector's walks.
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == GEN0_THRESHOLD
    frozen = gc.get_freeze_count()
    # Once per process: another start (the suite starts many apps) freezes nothing more.
    assert settle_heap() is False
    assert gc.get_freeze_count() == frozen
