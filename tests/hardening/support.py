"""What the hardening tests share: counting what a refused request must not have written."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from app.models import FollowUp, PushJob, Report, StatusEvent, WebhookSubscription

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
