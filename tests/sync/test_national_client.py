"""Every failure path of `LaporClient`, on the in-process mock and a test clock (nothing sleeps)."""

from __future__ import annotations

import asyncio
import logging
from datetime import date

import httpx
import pytest

from app.sync.breaker import BreakerState
from app.sync.client import LaporClient
from app.sync.errors import (
    BadAnswerError,
    CircuitOpenError,
    ConnectionFailedError,
    GatewayError,
    GatewayPageError,
    RateLimitedError,
    RejectedError,
    TransientError,
    UnauthorizedError,
)
from app.sync.transport import build_http_client
from app.sync.wire import ComplaintFiling
from lapor_mock.inprocess import LaporMock
from tests.sync.support import REGENCY, FakeClock, client_for, lapor_settings

TRACKING = "KOBAR-2026-000321"


def a_filing(**changes: object) -> ComplaintFiling:
    values: dict[str, object] = {
        "title": "Drainase tersumbat di Jalan Sutan Syahrir",
        "content": "Saluran air tersumbat lumpur sehingga jalan banjir setiap hujan deras.",
        "classification_id": 1,
        "disposition_id": REGENCY,
        "category_id": 1,
        "location_id": 620102,
        "date_of_incident": date(2026, 1, 10),
    }
    return ComplaintFiling.model_validate({**values, **changes})


def statuses(mock: LaporMock, path: str = "*", method: str | None = None) -> list[int | None]:
    return [r.status for r in mock.received(path, method)]


async def test_503_503_200_succeeds_in_three_calls(lapor_mock: LaporMock, clock: FakeClock) -> None:
    lapor_mock.seed("demo")
    lapor_mock.fail_next(503, 503)
    async with client_for(lapor_mock.base_url, clock) as lapor:
        page = await lapor.list_institutions()
    assert page.data
    assert statuses(lapor_mock) == [503, 503, 200]
    assert len(clock.sleeps) == 2 and clock.sleeps[1] > clock.sleeps[0] / 2  # backing off


async def test_429_with_retry_after_2_waits_at_least_2_seconds(
    lapor_mock: LaporMock, clock: FakeClock
) -> None:
    lapor_mock.rate_limit_next(2)
    started = clock.now
    async with client_for(lapor_mock.base_url, clock, lapor_retry_base_delay_seconds=0.1) as lapor:
        await lapor.list_categories()
    assert statuses(lapor_mock) == [429, 200]
    assert clock.now - started >= 2.0
    assert max(clock.sleeps) >= 2.0


async def test_a_retry_after_beyond_the_time_budget_is_raised_not_slept(
    lapor_mock: LaporMock, clock: FakeClock
) -> None:
    lapor_mock.rate_limit_next(600)
    async with client_for(lapor_mock.base_url, clock, lapor_retry_max_seconds=120) as lapor:
        with pytest.raises(RateLimitedError) as limited:
            await lapor.list_categories()
    assert limited.value.retry_after == 600
    assert clock.sleeps == []


async def test_a_timeout_is_retried(lapor_mock: LaporMock, clock: FakeClock) -> None:
    lapor_mock.slow_next(60.0)  # past the 5 s read timeout: the client gives up on it
    async with client_for(lapor_mock.base_url, clock) as lapor:
        await lapor.list_categories()
    assert statuses(lapor_mock) == [200, 200]
    assert len(clock.sleeps) == 1


async def test_gateway_html_on_502_is_transient_not_a_crash(lapor_mock: LaporMock, clock: FakeClock) -> None:
    lapor_mock.fail_next(502, 502)
    async with client_for(lapor_mock.base_url, clock, lapor_retry_max_attempts=1) as lapor:
        with pytest.raises(GatewayPageError) as failed:
            await lapor.list_categories()
        assert isinstance(failed.value, TransientError) and isinstance(failed.value, BadAnswerError)
        assert failed.value.status == 502 and "<title>502 Bad Gateway</title>" in failed.value.snippet
    async with client_for(lapor_mock.base_url, clock) as lapor:
        await lapor.list_categories()
    assert statuses(lapor_mock) == [502, 502, 200]


async def test_html_on_a_200_is_a_bad_answer_and_not_retried(lapor_mock: LaporMock, clock: FakeClock) -> None:
    lapor_mock.add_fault(status=200, body="<html>Sedang pemeliharaan</html>", content_type="text/html")
    async with client_for(lapor_mock.base_url, clock) as lapor:
        with pytest.raises(BadAnswerError) as bad:
            await lapor.list_categories()
    assert not isinstance(bad.value, TransientError)
    assert statuses(lapor_mock) == [200]


async def test_422_raises_rejected_with_field_errors_and_is_not_retried(
    lapor_mock: LaporMock, clock: FakeClock
) -> None:
    lapor_mock.seed("demo")
    async with client_for(lapor_mock.base_url, clock) as lapor:
        with pytest.raises(RejectedError) as rejected:
            await lapor.file_complaint(a_filing(classification_id=9), tracking_number=TRACKING)
    assert rejected.value.status == 422
    assert rejected.value.field_errors == {"classification_id": ["harus 1, 2 atau 3"]}
    assert statuses(lapor_mock) == [422]
    assert clock.sleeps == []


@pytest.mark.parametrize("status", [401, 403])
async def test_unauthorized_is_not_retried(status: int, lapor_mock: LaporMock, clock: FakeClock) -> None:
    if status == 401:
        lapor_mock.add_fault(status=401, body='{"message": "Unauthenticated."}', times=None)
        overrides: dict[str, object] = {}
    else:
        overrides = {"lapor_auth_secret": "a-wrong-secret"}
    async with client_for(lapor_mock.base_url, clock, **overrides) as lapor:
        with pytest.raises(UnauthorizedError) as refused:
            await lapor.list_categories()
    assert refused.value.status == status
    assert statuses(lapor_mock) == [status]
    assert clock.sleeps == []


async def test_the_breaker_opens_after_failures_and_recovers_after_cool_down(
    lapor_mock: LaporMock, clock: FakeClock
) -> None:
    lapor_mock.add_fault(status=503, times=3)
    settings = {
        "lapor_retry_max_attempts": 1,
        "lapor_breaker_failures": 3,
        "lapor_breaker_cooldown_seconds": 30.0,
    }
    async with client_for(lapor_mock.base_url, clock, **settings) as lapor:
        for _ in range(3):
            with pytest.raises(GatewayError):
                await lapor.list_categories()
        assert lapor.breaker.state is BreakerState.open
        with pytest.raises(CircuitOpenError) as open_:
            await lapor.list_categories()
        assert open_.value.retry_after == pytest.approx(30.0)
        assert len(lapor_mock.received()) == 3  # the refused call never left

        clock.now += 30.0
        assert lapor.breaker.state is BreakerState.half_open
        await lapor.list_categories()  # the probe gets through and succeeds
        assert lapor.breaker.state is BreakerState.closed
        await lapor.list_categories()
    assert statuses(lapor_mock) == [503, 503, 503, 200, 200]


async def test_a_failed_probe_opens_the_breaker_again(lapor_mock: LaporMock, clock: FakeClock) -> None:
    lapor_mock.add_fault(status=504, times=2)
    settings = {
        "lapor_retry_max_attempts": 1,
        "lapor_breaker_failures": 1,
        "lapor_breaker_cooldown_seconds": 10.0,
    }
    async with client_for(lapor_mock.base_url, clock, **settings) as lapor:
        with pytest.raises(GatewayError):
            await lapor.list_categories()
        clock.now += 10.0
        with pytest.raises(GatewayError):
            await lapor.list_categories()  # the probe, failing
        with pytest.raises(CircuitOpenError):
            await lapor.list_categories()
    assert len(lapor_mock.received()) == 2


async def test_the_rate_limit_holds_under_20_concurrent_callers(
    lapor_mock: LaporMock, clock: FakeClock
) -> None:
    settings = lapor_settings(lapor_mock.base_url, lapor_rate_limit_per_minute=60, lapor_rate_limit_burst=1)
    sent_at: list[float] = []

    async def stamp(request: httpx.Request) -> None:
        sent_at.append(clock.now)

    http = build_http_client(settings)
    http.event_hooks["request"] = [stamp]
    lapor = LaporClient.from_settings(settings, http=http, clock=clock, sleep=clock.sleep)
    async with http:
        pages = await asyncio.gather(*(lapor.list_categories() for _ in range(20)))
    assert len(pages) == 20 and len(lapor_mock.received()) == 20
    assert sent_at == sorted(sent_at)
    # However a window is placed, it never holds more than burst + rate * its length.
    for i in range(20):
        for j in range(i, 20):
            assert j - i + 1 <= 1 + (sent_at[j] - sent_at[i]) * 1.0 + 1e-9
    assert sent_at[-1] - sent_at[0] == pytest.approx(19.0)


@pytest.mark.parametrize(
    ("fault", "posts", "lookups", "found_again"),
    [
        ("lose_answer", 1, 1, True),  # stored upstream, answer dropped: found by its tag
        ("slow", 1, 1, True),  # stored upstream, the client timed out: found by its tag
        ("gateway", 2, 1, False),  # a 502 may or may not have stored it: looked up, then filed
        ("drop", 2, 1, False),  # dropped before storing: looked up, then filed
        ("rate_limit", 2, 0, False),  # a 429 stores nothing: filed again without a lookup
    ],
)
async def test_a_create_whose_answer_is_lost_is_never_filed_twice(
    fault: str, posts: int, lookups: int, found_again: bool, lapor_mock: LaporMock, clock: FakeClock
) -> None:
    lapor_mock.seed("demo")
    write = {"path": "/complaints/complaint", "method": "POST"}
    if fault == "lose_answer":
        lapor_mock.lose_answer_next()
    elif fault == "slow":
        lapor_mock.add_fault("latency", latency=60.0, **write)
    elif fault == "gateway":
        lapor_mock.add_fault(status=502, **write)
    elif fault == "drop":
        lapor_mock.drop_next(**write)
    else:
        lapor_mock.rate_limit_next(1, path="/complaints/complaint")
    async with client_for(lapor_mock.base_url, clock) as lapor:
        receipt = await lapor.file_complaint(a_filing(), tracking_number=TRACKING)
    assert receipt.found_again is found_again
    tagged = [c for c in lapor_mock.complaints() if TRACKING in str(c["tags_raw"]).split(",")]
    assert [c["id"] for c in tagged] == [receipt.national_id]
    assert len(lapor_mock.received("/complaints/complaint", "POST")) == posts
    lookups_made = [r for r in lapor_mock.received("/complaints", "GET") if r.query.get("tags")]
    assert len(lookups_made) == lookups


async def test_a_filing_that_may_exist_is_looked_up_first(lapor_mock: LaporMock, clock: FakeClock) -> None:
    lapor_mock.seed("demo")
    async with client_for(lapor_mock.base_url, clock) as lapor:
        first = await lapor.file_complaint(a_filing(), tracking_number=TRACKING)
        again = await lapor.file_complaint(a_filing(), tracking_number=TRACKING, may_exist=True)
    assert (again.national_id, again.found_again) == (first.national_id, True)
    assert len(lapor_mock.received("/complaints/complaint", "POST")) == 1


async def test_a_post_that_is_not_safe_to_repeat_is_retried_only_when_never_sent(
    lapor_mock: LaporMock, clock: FakeClock
) -> None:
    [complaint_id] = lapor_mock.seed("demo")[:1]
    async with client_for(lapor_mock.base_url, clock) as lapor:
        lapor_mock.add_fault(status=503, path="/complaints/process/*")
        with pytest.raises(GatewayError):
            await lapor.reject_not_authority(complaint_id, to_institution_id=130, description="PLN")
        lapor_mock.rate_limit_next(1, path="/complaints/process/*")
        with pytest.raises(RejectedError):  # retried after the 429, then refused on its merits
            await lapor.reject_not_authority(complaint_id, to_institution_id=130, description="PLN")
    assert statuses(lapor_mock, "/complaints/process/*") == [503, 429, 422]


async def test_connection_errors_say_whether_the_request_may_have_arrived() -> None:
    clock = FakeClock()
    async with client_for("http://127.0.0.1:9/lapor", clock, lapor_retry_max_attempts=2) as lapor:
        with pytest.raises(ConnectionFailedError) as refused:
            await lapor.list_categories()
    assert refused.value.may_have_been_processed is False
    assert len(clock.sleeps) == 1


async def test_secrets_never_reach_logs_errors_or_reprs(
    lapor_mock: LaporMock, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    secret, token = "s3cr3t-auth-value", "7d1f0000-aaaa-4bbb-8ccc-dddddddddddd"
    lapor_mock.configure(auth_secret=secret, token=token)
    lapor_mock.fail_next(503)
    caplog.set_level(logging.DEBUG)
    errors: list[Exception] = []
    async with client_for(lapor_mock.base_url, clock, lapor_auth_secret=secret, lapor_token=token) as lapor:
        await lapor.list_categories()
        lapor_mock.configure(token="another")
        try:
            await lapor.list_categories()
        except UnauthorizedError as exc:
            errors.append(exc)
        shown = repr(lapor) + "".join(f"{e!s}{e!r}" for e in errors) + caplog.text
    assert errors and caplog.records
    assert secret not in shown and token not in shown
    assert all(r.headers.get("token") in ("***", None) for r in lapor_mock.received())


def test_the_http_client_has_explicit_timeouts_and_limits() -> None:
    settings = lapor_settings(
        "https://gateway.example/lapor/3.0.0",
        lapor_timeout_seconds=12.0,
        lapor_connect_timeout_seconds=3.0,
        lapor_max_connections=4,
    )
    http = build_http_client(settings)
    assert (http.timeout.connect, http.timeout.read, http.timeout.pool) == (3.0, 12.0, 12.0)
    assert str(http.base_url) == "https://gateway.example/lapor/3.0.0/"
    assert not http.follow_redirects
    with pytest.raises(ValueError, match="LAPOR_BASE_URL"):
        build_http_client(lapor_settings("", lapor_base_url=None))
