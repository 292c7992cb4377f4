"""Walking through a list's pages without trusting the gateway to end it.

The adapter asks for page 1, 2, ... itself; `next_page_url` only says whether to go on and is
never followed (wherever it points). A gateway that ignores `page` answers the same page again and
again while promising a next one: a page whose items were all seen before ends the walk, and so
does `MAX_PAGES` (docs/national-api.md, "What the adapter accepts").
"""

from __future__ import annotations

import logging
from typing import Any

from app.sync.wire import Page

log = logging.getLogger(__name__)

MAX_PAGES = 1_000
"""The most pages one walk reads (100,000 complaints, or 10,000 follow-ups of one complaint)."""


class PageWalk:
    """Decides, page after page, whether a page is new and whether to ask for the next one."""

    def __init__(self, what: str, *, max_pages: int = MAX_PAGES) -> None:
        self.what = what
        self.max_pages = max_pages
        self.pages = 0
        self.seen: set[object] = set()

    def is_new(self, page: Page[Any]) -> bool:
        """False for a page whose items were all on earlier pages (the gateway loops): the walk ends."""
        self.pages += 1
        ids = {getattr(item, "id", None) for item in page.data}
        if self.pages > 1 and ids and ids <= self.seen:
            log.warning("%s: page %d repeats earlier pages; reading no further", self.what, self.pages)
            return False
        self.seen |= ids
        return True

    def goes_on(self, page: Page[Any]) -> bool:
        """Whether to ask for the page after this one."""
        if not page.has_next or not page.data:
            return False
        if self.pages >= self.max_pages:
            log.warning("%s: %d pages read, reading no further", self.what, self.pages)
            return False
        return True
