"""`LaporClient`: every call of the national LAPOR contract, over an injected `httpx.AsyncClient`.

Each attempt passes the circuit breaker and the shared rate limit, carries the auth headers, and
turns whatever comes back into a wire model or an error of `app.sync.errors`. Secrets and
request bodies are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Self, TypeVar

import httpx
from pydantic import SecretStr, TypeAdapter

from app.core.config import Settings
from app.sync.answers import read_results
from app.sync.auth import AuthForm, auth_headers
from app.sync.breaker import CircuitBreaker
from app.sync.call_budget import TokenBucket
from app.sync.errors import (
    ConnectionFailedError,
    FilingUncertainError,
    NotFoundError,
    RateLimitedError,
    TransientError,
)
from app.sync.retry import RetryPolicy
from app.sync.timing import Clock, Sleep, monotonic, real_sleep
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

logger = logging.getLogger(__name__)

M = TypeVar("M")
T = TypeVar("T")
QueryParams = Mapping[str, str | int]
AttachmentUpload = tuple[str, bytes, str]
"""(file name, content, content type) of one file to upload."""
UploadParts = list[tuple[str, AttachmentUpload]]

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


def build_http_client(
    settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` for LAPOR with explicit timeouts and connection limits."""
    if not settings.lapor_base_url:
        raise ValueError("LAPOR_BASE_URL is not set")
    timeout = httpx.Timeout(settings.lapor_timeout_seconds, connect=settings.lapor_connect_timeout_seconds)
    limits = httpx.Limits(
        max_connections=settings.lapor_max_connections,
        max_keepalive_connections=settings.lapor_max_connections,
        keepalive_expiry=30.0,
    )
    return httpx.AsyncClient(
        base_url=settings.lapor_base_url,
        timeout=timeout,
        limits=limits,
        headers={"Accept": "application/json", "User-Agent": "lapor-bridge"},
        follow_redirects=False,
        transport=transport,
    )


class LaporClient:
    """Speaks the national LAPOR contract; raises only `app.sync.errors.LaporError`s."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        auth_secret: SecretStr,
        token: SecretStr,
        institution_id: int | None = None,
        retry: RetryPolicy | None = None,
        rate_limit: TokenBucket | None = None,
        breaker: CircuitBreaker | None = None,
        has_list_call: bool = True,
        owns_http: bool = False,
        auth_form: AuthForm = AuthForm.both,
        auth_header_name: str = "Authorization",
    ) -> None:
        self._http = http
        self._owns_http = owns_http
        self._headers = auth_headers(auth_form, auth_secret, token, header_name=auth_header_name)
        self.institution_id = institution_id
        self.has_list_call = has_list_call
        self.retry = retry or RetryPolicy()
        self.rate_limit = rate_limit or TokenBucket(60)
        self.breaker = breaker or CircuitBreaker()

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
            http if http is not None else build_http_client(settings),
            auth_secret=settings.lapor_auth_secret,
            token=settings.lapor_token,
            institution_id=settings.lapor_institution_id,
            retry=RetryPolicy.from_settings(settings, sleep=sleep, clock=clock),
            rate_limit=TokenBucket(
                settings.lapor_rate_limit_per_minute,
                burst=settings.lapor_rate_limit_burst,
                clock=clock,
                sleep=sleep,
            ),
            breaker=CircuitBreaker(
                failure_threshold=settings.lapor_breaker_failures,
                cooldown_seconds=settings.lapor_breaker_cooldown_seconds,
                clock=clock,
            ),
            has_list_call=settings.lapor_has_list_call,
            owns_http=http is None,
            auth_form=AuthForm(settings.lapor_auth_form),
            auth_header_name=settings.lapor_auth_header_name,
        )

    def __repr__(self) -> str:
        return f"LaporClient(base_url={str(self._http.base_url)!r})"

    async def aclose(self) -> None:
        """Close the HTTP client if this client built it."""
        if self._owns_http:
            await self._http.aclose()

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
        return await self._fetch("GET", "/masters/institutions/external", _INSTITUTIONS, params)

    def iter_institutions(self, *, page_size: int = 100) -> AsyncIterator[Institution]:
        """Every institution, page after page."""
        return _items(lambda n: self.list_institutions(page=n, page_size=page_size))

    async def list_categories(self, *, page: int = 1, page_size: int = 100) -> CategoryPage:
        """One page of the national categories."""
        params = {"page": page, "page_size": page_size}
        return await self._fetch("GET", "/masters/categories", _CATEGORIES, params)

    # --- complaints ---

    async def get_complaint(self, national_id: int) -> ComplaintDetail:
        """One complaint with its national log."""
        return await self._fetch("GET", f"/complaints/{national_id}/complaint", _DETAIL)

    async def list_followups(self, national_id: int, *, page: int = 1) -> FollowUpPage:
        """One page of a complaint's follow-ups, oldest first."""
        path = f"/complaints/{national_id}/followups"
        return await self._fetch("GET", path, _FOLLOWUPS, {"page": page})

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
        return await self._fetch("GET", "/complaints", _COMPLAINTS, params)

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
            page = await self._call("GET", "/complaints", _COMPLAINTS, params)
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
                filed = await self._call("POST", "/complaints/complaint", _FILED, json=body)
            except TransientError as exc:
                answer_may_be_lost = answer_may_be_lost or exc.may_have_been_processed
                raise
            return FilingReceipt(filed.national_id, filed.tracking_id, found_again=False)

        return await self.retry.run(attempt, idempotent=True, description="POST /complaints/complaint")

    async def upload_attachments(self, files: Sequence[AttachmentUpload]) -> list[int]:
        """Upload files to attach to a complaint about to be filed; their document ids."""
        parts = [("attachments[]", (name, content, kind)) for name, content, kind in files]
        # Repeating an upload whose answer was lost only leaves an unused document upstream.
        docs = await self._fetch("POST", "/complaints/complaint/file", _DOCS, files=parts)
        return [doc.id for doc in docs.docs]

    async def post_followup(self, posting: FollowUpPosting) -> int:
        """Post a follow-up; the id LAPOR gives it."""
        posted = await self._fetch(
            "POST", "/complaints/followup/add", _POSTED, json=posting.to_wire(), idempotent=False
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
        rejected = await self._fetch("POST", path, _REJECTED, json=body, idempotent=False)
        return rejected.complaint

    # --- plumbing ---

    async def _fetch(
        self,
        method: str,
        path: str,
        adapter: TypeAdapter[Envelope[M]],
        params: QueryParams | None = None,
        *,
        json: object = None,
        files: UploadParts | None = None,
        idempotent: bool = True,
    ) -> M:
        async def once() -> M:
            return await self._call(method, path, adapter, params, json=json, files=files)

        return await self.retry.run(once, idempotent=idempotent, description=f"{method} {path}")

    async def _call(
        self,
        method: str,
        path: str,
        adapter: TypeAdapter[Envelope[M]],
        params: QueryParams | None = None,
        *,
        json: object = None,
        files: UploadParts | None = None,
    ) -> M:
        """One attempt: breaker, rate limit, request, and the answer read or turned into an error."""
        async with self.breaker.guard():
            await self.rate_limit.acquire()
            response = await self._send(method, path, params, json, files)
            try:
                return read_results(response, adapter)
            except RateLimitedError as exc:
                self.rate_limit.hold(exc.retry_after or 0.0)
                raise

    async def _send(
        self,
        method: str,
        path: str,
        params: QueryParams | None,
        json: object,
        files: UploadParts | None,
    ) -> httpx.Response:
        try:
            response = await self._http.request(
                method,
                path,
                params=params,
                json=json,
                files=files,
                headers=self._headers,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise ConnectionFailedError(
                f"{method} {path}: could not connect ({type(exc).__name__})",
                may_have_been_processed=False,
            ) from exc
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise ConnectionFailedError(f"{method} {path}: no answer ({type(exc).__name__})") from exc
        logger.debug("LAPOR %s %s -> %d", method, path, response.status_code)
        return response


async def _items(fetch: Callable[[int], Awaitable[Page[T]]]) -> AsyncIterator[T]:
    """The items of page 1, 2, ... until LAPOR says there is no next page."""
    number = 1
    while True:
        page = await fetch(number)
        for item in page.data:
            yield item
        if not page.has_next or not page.data:
            return
        number += 1
