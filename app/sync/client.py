"""`LaporClient`: every call of the national LAPOR contract, as typed methods.

Each method names its path and the wire model of its answer; `app.sync.transport` makes the
call (breaker, call budget, auth headers, retries) and raises only `app.sync.errors.LaporError`s.
Filing is made safe to repeat here: one tracking number never becomes two complaints.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Self, TypeVar

import httpx
from pydantic import TypeAdapter

from app.core.config import Settings
from app.sync.breaker import CircuitBreaker
from app.sync.call_budget import TokenBucket
from app.sync.errors import FilingUncertainError, NotFoundError, TransientError
from app.sync.paging import PageWalk
from app.sync.retry import RetryPolicy
from app.sync.timing import Clock, Sleep, monotonic, real_sleep
from app.sync.transport import Transport
from app.sync.wire import (
    CategoryPage,
    ComplaintDetail,
    ComplaintFiling,
    ComplaintPage,
    Envelope,
    FiledComplaint,
    FollowUpPage,
    FollowUpPosting,
    Institution,
    InstitutionPage,
    NationalComplaint,
    NationalFollowUp,
    Page,
    PostedFollowUp,
    RejectedComplaint,
    UploadedDocs,
    format_wire_datetime,
)
from app.sync.wire.outgoing import AttachmentUpload, UploadParts

logger = logging.getLogger(__name__)

T = TypeVar("T")

_INSTITUTIONS = TypeAdapter(Envelope[InstitutionPage])
_CATEGORIES = TypeAdapter(Envelope[CategoryPage])
_COMPLAINTS = TypeAdapter(Envelope[ComplaintPage])
_DETAIL = TypeAdapter(Envelope[ComplaintDetail])
_FOLLOWUPS = TypeAdapter(Envelope[FollowUpPage])
_FILED = TypeAdapter(Envelope[FiledComplaint])
_DOCS = TypeAdapter(Envelope[UploadedDocs])
_POSTED = TypeAdapter(Envelope[PostedFollowUp])
_REJECTED = TypeAdapter(Envelope[RejectedComplaint])


@dataclass(frozen=True)
class FilingReceipt:
    """Where a locally filed report lives upstream."""

    national_id: int
    tracking_id: str
    found_again: bool
    """True when the filing was found by its tag instead of being answered."""


class LaporClient:
    """Speaks the national LAPOR contract; raises only `app.sync.errors.LaporError`s.

    `has_list_call` has no default: whoever builds a client says whether its gateway offers
    `GET /complaints` (false is poll mode, the normal case: docs/national-api.md, "Poll mode").
    `from_settings` takes it from `LAPOR_HAS_LIST_CALL`, which defaults to false.
    """

    def __init__(
        self, transport: Transport, *, institution_id: int | None = None, has_list_call: bool
    ) -> None:
        self.transport = transport
        self.institution_id = institution_id
        self.has_list_call = has_list_call

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        http: httpx.AsyncClient | None = None,
        clock: Clock = monotonic,
        sleep: Sleep = real_sleep,
    ) -> LaporClient:
        """A client configured from settings (building its own HTTP client unless given one)."""
        return cls(
            Transport.from_settings(settings, http=http, clock=clock, sleep=sleep),
            institution_id=settings.lapor_institution_id,
            has_list_call=settings.lapor_has_list_call,
        )

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy every call runs under."""
        return self.transport.retry

    @property
    def rate_limit(self) -> TokenBucket:
        """The call budget shared by every caller of this client."""
        return self.transport.rate_limit

    @property
    def breaker(self) -> CircuitBreaker:
        """The circuit breaker in front of every attempt."""
        return self.transport.breaker

    def __repr__(self) -> str:
        return f"LaporClient(base_url={self.transport.base_url!r})"

    async def aclose(self) -> None:
        """Close the HTTP client if this client built it."""
        await self.transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- masters ---

    async def list_institutions(self, *, page: int = 1, page_size: int = 100) -> InstitutionPage:
        """One page of the institutions complaints can be dispositioned to."""
        params = {"page": page, "page_size": page_size}
        return await self.transport.fetch("GET", "/masters/institutions/external", _INSTITUTIONS, params)

    def iter_institutions(self, *, page_size: int = 100) -> AsyncIterator[Institution]:
        """Every institution, page after page."""
        return _items(lambda n: self.list_institutions(page=n, page_size=page_size))

    async def list_categories(self, *, page: int = 1, page_size: int = 100) -> CategoryPage:
        """One page of the national categories."""
        params = {"page": page, "page_size": page_size}
        return await self.transport.fetch("GET", "/masters/categories", _CATEGORIES, params)

    # --- complaints ---

    async def get_complaint(self, national_id: int) -> ComplaintDetail:
        """One complaint with its national log."""
        return await self.transport.fetch("GET", f"/complaints/{national_id}/complaint", _DETAIL)

    async def list_followups(self, national_id: int, *, page: int = 1) -> FollowUpPage:
        """One page of a complaint's follow-ups, oldest first."""
        path = f"/complaints/{national_id}/followups"
        return await self.transport.fetch("GET", path, _FOLLOWUPS, {"page": page})

    def iter_followups(self, national_id: int) -> AsyncIterator[NationalFollowUp]:
        """Every follow-up of a complaint, oldest first."""
        return _items(lambda n: self.list_followups(national_id, page=n))

    async def list_complaints(
        self,
        *,
        updated_since: datetime | None = None,
        disposition_id: int | None = None,
        tags: str | None = None,
        page: int = 1,
        page_size: int = 100,
    ) -> ComplaintPage:
        """One page of complaints, ordered by `updated_at` then id (needs the list call)."""
        params: dict[str, str | int] = {"page": page, "page_size": page_size}
        if disposition_id is not None:
            params["disposition_id"] = disposition_id
        if updated_since is not None:
            params["updated_since"] = format_wire_datetime(updated_since)
        if tags is not None:
            params["tags"] = tags
        return await self.transport.fetch("GET", "/complaints", _COMPLAINTS, params)

    def iter_complaints(
        self,
        *,
        updated_since: datetime | None = None,
        disposition_id: int | None = None,
        page_size: int = 100,
    ) -> AsyncIterator[NationalComplaint]:
        """Every complaint dispositioned to `disposition_id` (default: ours) changed since then."""
        holder = disposition_id if disposition_id is not None else self.institution_id

        def fetch(n: int) -> Awaitable[ComplaintPage]:
            return self.list_complaints(
                updated_since=updated_since, disposition_id=holder, page=n, page_size=page_size
            )

        return _items(fetch)

    async def find_filed(self, tracking_number: str) -> NationalComplaint | None:
        """The national complaint tagged with a local tracking number, if LAPOR has one."""
        return await self.retry.run(
            lambda: self._look_up_filing(tracking_number),
            idempotent=True,
            description="GET /complaints?tags",
        )

    async def _look_up_filing(self, tracking_number: str) -> NationalComplaint | None:
        """One attempt at finding a filing by its tag."""
        if not self.has_list_call:
            raise FilingUncertainError(
                "this gateway has no complaint search to look the filing up",
                tracking_number=tracking_number,
            )
        params: dict[str, str | int] = {"tags": tracking_number, "page": 1, "page_size": 100}
        try:
            page = await self.transport.call("GET", "/complaints", _COMPLAINTS, params)
        except NotFoundError as exc:
            raise FilingUncertainError(
                "the gateway answered 404 to the complaint search", tracking_number=tracking_number
            ) from exc
        matches = [c for c in page.data if tracking_number in c.tags]
        return min(matches, key=lambda c: c.id) if matches else None

    async def file_complaint(
        self, filing: ComplaintFiling, *, tracking_number: str, may_exist: bool = False
    ) -> FilingReceipt:
        """File a local report upstream; one tracking number never becomes two complaints.

        The tracking number goes into `tags_raw`. Whenever an attempt ends without an answer
        that proves nothing was stored, the next attempt first looks the filing up by that tag.
        When the call itself gives up with a `TransientError` whose `may_have_been_processed`
        is true, call it again later with `may_exist=True`.
        """
        body = filing.tagged(tracking_number).to_wire()
        answer_may_be_lost = may_exist

        async def attempt() -> FilingReceipt:
            nonlocal answer_may_be_lost
            if answer_may_be_lost:
                found = await self._look_up_filing(tracking_number)
                if found is not None:
                    logger.info("filing %s found upstream as %s", tracking_number, found.id)
                    return FilingReceipt(found.id, found.tracking_id, found_again=True)
            try:
                filed = await self.transport.call("POST", "/complaints/complaint", _FILED, json=body)
            except TransientError as exc:
                answer_may_be_lost = answer_may_be_lost or exc.may_have_been_processed
                raise
            return FilingReceipt(filed.national_id, filed.tracking_id, found_again=False)

        return await self.retry.run(attempt, idempotent=True, description="POST /complaints/complaint")

    async def upload_attachments(self, files: Sequence[AttachmentUpload]) -> list[int]:
        """Upload files to attach to a complaint about to be filed; their document ids."""
        parts: UploadParts = [("attachments[]", (name, content, kind)) for name, content, kind in files]
        # Repeating an upload whose answer was lost only leaves an unused document upstream.
        docs = await self.transport.fetch("POST", "/complaints/complaint/file", _DOCS, files=parts)
        return [doc.id for doc in docs.docs]

    async def post_followup(self, posting: FollowUpPosting) -> int:
        """Post a follow-up; the id LAPOR gives it."""
        posted = await self.transport.fetch(
            "POST", "/complaints/followup/add", _POSTED, files=posting.to_wire(), idempotent=False
        )
        return posted.followup.id

    async def reject_not_authority(
        self, national_id: int, *, to_institution_id: int, description: str
    ) -> NationalComplaint:
        """ "Bukan wewenang": not the regency's authority, pass it to another institution."""
        body = {
            "is_request": 1,
            "reason": to_institution_id,
            "reason_description": description,
            "not_authority": 1,
        }
        path = f"/complaints/process/{national_id}/reject"
        rejected = await self.transport.fetch("POST", path, _REJECTED, json=body, idempotent=False)
        return rejected.complaint


async def _items(fetch: Callable[[int], Awaitable[Page[T]]]) -> AsyncIterator[T]:
    """The items of page 1, 2, ... until LAPOR says there is no next page (or loops: `PageWalk`)."""
    walk, number = PageWalk("a paged list"), 1
    while True:
        page = await fetch(number)
        if not walk.is_new(page):
            return
        for item in page.data:
            yield item
        if not walk.goes_on(page):
            return
        number += 1
