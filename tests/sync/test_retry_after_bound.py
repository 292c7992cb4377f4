"""A `Retry-After` from national LAPOR is honoured up to an hour: a gateway asking for days (or
for 31,000 years) holds the sync back that long at most, and a push job waits that long at most."""

from __future__ import annotations

import pytest

from app.sync.answers import MAX_RETRY_AFTER_SECONDS
from app.sync.errors import TransientError
from lapor_mock.inprocess import LaporMock
from tests.sync.support import FakeClock, client_for

ABSURD = 10**12  # seconds: about 31,700 years


def test_the_bound_is_an_hour() -> None:
    assert MAX_RETRY_AFTER_SECONDS == 3600


@pytest.mark.parametrize("status", [429, 503])
async def test_an_absurd_retry_after_holds_every_call_back_an_hour_at_most(
    lapor_mock: LaporMock, clock: FakeClock, status: int
) -> None:
    if status == 429:
        lapor_mock.rate_limit_next(ABSURD)
    else:
        lapor_mock.add_fault("status", status=503, retry_after=ABSURD)
    async with client_for(lapor_mock.base_url, clock, lapor_retry_max_seconds=120) as lapor:
        with pytest.raises(TransientError) as failed:
            await lapor.list_categories()
        assert failed.value.retry_after == MAX_RETRY_AFTER_SECONDS
        await lapor.list_categories()  # the next call waits out the bounded hold, then goes
    assert clock.slept <= MAX_RETRY_AFTER_SECONDS
    assert [r.status for r in lapor_mock.received()] == [status, 200]
