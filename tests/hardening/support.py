"""What the hardening tests share: counting what a refused request must not have written."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from app.models import FollowUp, PushJob, Report, Reporter, StatusEvent, WebhookSubscription
from tests.helpers import REPORTER

COUNTED = (Report, StatusEvent, FollowUp, PushJob, WebhookSubscription)


async def store_counts(app: Any) -> dict[str, int]:
    """Rows in the tables a request could write to."""
    async with app.state.runtime.sessions() as session:
        return {
            model.__name__: (await session.execute(select(func.count()).select_from(model))).scalar_one()
            for model in COUNTED
        }


def assert_refused(response: httpx.Response, status: int = 422) -> dict[str, Any]:
    """The status and the one error shape; returns the body."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert isinstance(body["error"], str) and isinstance(body["detail"], str), body
    return body


def assert_open311_refused(response: httpx.Response, status: int = 400) -> str:
    """The status and Open311's error shape (a JSON array of one {code, description}), as the edge
    answers under /open311/ (app.open311.render.edge_error); returns the description."""
    assert response.status_code == status, response.text
    [error] = response.json()
    assert error == {"code": status, "description": error["description"]}, error
    return str(error["description"])


async def stored_subscription(app: Any) -> int:
    """A webhook subscription written straight to the store (no URL check); its id."""
    async with app.state.runtime.sessions() as session:
        row = WebhookSubscription(url="https://hooks.example.test/h", secret="whsec_test")
        session.add(row)
        await session.commit()
        assert row.id is not None
        return row.id


# The report's own reporter, as tests.helpers files it, as its stored row.
SITI = Reporter(
    report_id=1,
    name=REPORTER["name"],
    nik=REPORTER["nik"],
    phone=REPORTER["phone"],
    email=REPORTER["email"],
)
