"""A report refused for a malformed phone or NIK (a pattern error) answers 422 without echoing
the value, or any other part of the reporter, in the answer or in the log."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.helpers import Keys, report_body
from tests.privacy.support import NORMAL, leaked

BAD = {
    "phone": "+62 813 5111 22ab",
    "nik": "62010112037900AB",
}


@pytest.mark.parametrize("field", list(BAD))
async def test_a_malformed_value_is_not_echoed(
    field: str, client: httpx.AsyncClient, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bad = BAD[field]
    response = await client.post(
        "/api/v1/reports", json=report_body(reporter={**NORMAL, field: bad}), headers=keys.intake
    )
    assert response.status_code == 422, response.text
    assert field in response.text, "the error names the field"
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    for text in (response.text, logged):
        assert bad not in text
        assert leaked(text, NORMAL) == []
