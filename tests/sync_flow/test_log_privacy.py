"""What the pull logs (and records) when national LAPOR answers badly: which answer and which
field, never the values in it (a reporter's phone or name)."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select

from app.core.observability import JsonFormatter, RedactingFormatter
from app.models import NationalRegistration
from tests.sync_flow.conftest import REGENCY, SyncRig

NAME, PHONE, EMAIL = "Zainuddin Lubis", "628999000111", "zainuddin@example.org"


async def test_a_bad_national_answer_is_logged_without_the_reporter(
    rig: SyncRig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    reporter = {"name": NAME, "phone": f"+{PHONE}", "email": EMAIL}
    national_id = rig.mock.add_complaint(
        title="Jalan rusak parah", content="Jalan rusak parah sekali di desa kami.", reporter=reporter
    )
    rig.mock.verify(national_id)
    rig.mock.dispose(national_id, REGENCY)
    # The gateway sends the phone as a number: the answer breaks its contract with the value in it.
    complaint = {"id": national_id, "tracking_id": "LAP1", "title": "Jalan rusak parah", "content": "x"}
    complaint |= {"status_code": 2, "reporter": {**reporter, "phone": int(PHONE)}}
    body = json.dumps({"results": {"data": complaint, "data_logs": []}})
    rig.mock.add_fault("status", status=200, body=body, path="/complaints/*/complaint", times=None)
    run = await rig.puller.pull()  # the complaint is passed by (and registered to be read again)
    assert run.status == "succeeded" and run.errors == 1
    async with rig.app.state.runtime.sessions() as session:
        (failure,) = (await session.execute(select(NationalRegistration.last_failure))).scalars()
    assert failure is not None and "BadAnswerError" in failure
    for formatter in (JsonFormatter(), RedactingFormatter("%(message)s")):
        written = "\n".join(formatter.format(record) for record in caplog.records)
        assert "BadAnswerError" in written and "reporter.phone" in written  # what and where
        for value in (NAME, PHONE, EMAIL):
            assert value not in written and value not in failure
