"""Clock and sleep seams, so that waiting code can be driven by a test clock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeAlias

Clock: TypeAlias = Callable[[], float]
"""Monotonic seconds."""

Sleep: TypeAlias = Callable[[float], Awaitable[None]]
"""Waits the given number of seconds."""

monotonic: Clock = time.monotonic


async def real_sleep(seconds: float) -> None:
    """Sleep on the event loop (the production `Sleep`)."""
    await asyncio.sleep(seconds)
