"""The garbage collector, tuned once per process when the app has started.

Everything alive once the app has started (modules, routes, compiled statements, pydantic
validators) lives as long as the process; `gc.freeze` moves it out of the collector's sight, so a
full collection no longer walks it. A request allocates thousands of short-lived objects; with the
default first-generation threshold (700 allocations) the collector ran several times per request.
The figures in bench/README.md.
"""

from __future__ import annotations

import gc

# Allocations (minus deallocations) between first-generation collections; the older generations
# keep CPython's defaults. Reference counting frees nearly all of a request's objects at once, so
# this bounds only the cycles that wait for the collector.
GEN0_THRESHOLD = 20_000

_settled = False


def settle_heap() -> bool:
    """Freeze what the started app holds and raise the first-generation threshold, once per
    process (True when this call did it)."""
    global _settled  # one process-wide switch, like the collector it tunes
    if _settled:
        return False
    _settled = True
    gc.collect()
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, second, third)
    return True
