"""The mock inside a test process: httpx requests routed to `NationalMock` by respx."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

import httpx
import respx

from lapor_mock.exchange import MockAnswer, MockRequest
from lapor_mock.national import NationalMock
from lapor_mock.records import utc_now

DEFAULT_ORIGIN = "https://lapor-mock.invalid"


class LaporMock(NationalMock):
    """A `NationalMock` reachable at `base_url` by any httpx client while `router` is started.

    `router` is a respx router: start it (the pytest fixture does) to route every httpx client
    in the process, or use `transport()` for one client only.
    """

    def __init__(
        self,
        *,
        origin: str = DEFAULT_ORIGIN,
        seed: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(seed=seed, clock=clock, monotonic=monotonic)
        self.origin = origin.rstrip("/")
        self.router = respx.MockRouter(assert_all_called=False, assert_all_mocked=True)
        self.router.route(url__startswith=self.origin + "/").mock(side_effect=self._respond)
        self.router.route().pass_through()

    @property
    def base_url(self) -> str:
        """The LAPOR base URL to configure (`LAPOR_BASE_URL`)."""
        return self.origin + self.settings.base_path

    def env(self) -> dict[str, str]:
        """The `LAPOR_*` environment a service needs to talk to this mock (a sandbox, not production)."""
        return {
            "LAPOR_BASE_URL": self.base_url,
            "LAPOR_AUTH_SECRET": self.settings.auth_secret,
            "LAPOR_TOKEN": self.settings.token,
            "LAPOR_INSTITUTION_ID": str(self.settings.institution_id),
            "LAPOR_ENVIRONMENT": "sandbox",
        }

    def transport(self) -> httpx.MockTransport:
        """A transport that sends to this mock without patching httpx globally."""
        return httpx.MockTransport(self.router.async_handler)

    def _respond(self, request: httpx.Request) -> httpx.Response | Awaitable[httpx.Response]:
        answer = self.handle(_mock_request(request))
        if answer.delay <= 0:
            return _deliver(request, answer)
        timeout = request.extensions.get("timeout", {}).get("read")
        if isinstance(timeout, int | float) and answer.delay >= timeout:
            # The client would give up first: say so now, without making the test wait.
            raise httpx.ReadTimeout("timed out waiting for the mock's answer", request=request)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            time.sleep(answer.delay)  # a sync client outside any event loop
            return _deliver(request, answer)
        return _deliver_later(request, answer)


def _mock_request(request: httpx.Request) -> MockRequest:
    url = request.url
    origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
    return MockRequest(
        method=request.method,
        path=url.path,
        query=list(url.params.multi_items()),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=request.content,
        origin=origin,
    )


def _deliver(request: httpx.Request, answer: MockAnswer) -> httpx.Response:
    if answer.drop:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
    headers = {"content-type": answer.content_type, **answer.headers}
    return httpx.Response(answer.status, headers=headers, content=answer.body, request=request)


async def _deliver_later(request: httpx.Request, answer: MockAnswer) -> httpx.Response:
    await asyncio.sleep(answer.delay)
    return _deliver(request, answer)
