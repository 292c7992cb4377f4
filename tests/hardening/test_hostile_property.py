"""Property: hostile strings, dates and ids on the list, export, statistics and move routes never
answer 5xx, and every refusal has the one error shape (issue 16)."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta, timezone
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.config import Settings
from app.main import create_app
from tests.helpers import Keys, bring_to, make_keys

CASES = 2000
MOVES = [
    "verify",
    "hold",
    "resume",
    "reject",
    "forward",
    "dispose",
    "take-up",
    "send-back",
    "follow-ups",
    "complete",
    "reopen",
    "archive",
    "actions",
    "rating",
    "history",
]

hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=20),
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            '"',
            "'",
            "*",
            "NEAR(",
            "OR",
            "-",
            "%",
            "\\",
            "²",
            "٣",
            "\U0001d7d8",
            "\ud7ff",
            "",
            " ",
        ]
    ),
    st.integers().map(str),
)
big_ids = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70), st.sampled_from([0, 1, 2**31 - 1, 2**31, 2**63, 10**30])
)
zones = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
instants = st.one_of(
    st.datetimes(timezones=zones).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),  # naive
    st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-02-30T00:00:00Z"]),
    hostile_text,
)
days = st.one_of(st.dates().map(lambda d: d.isoformat()), hostile_text)
cursors = st.one_of(hostile_text, st.binary(max_size=60).map(lambda b: base64.urlsafe_b64encode(b).decode()))

list_params = st.fixed_dictionaries(
    {},
    optional={
        "q": hostile_text,
        "cursor": cursors,
        "created_from": instants,
        "created_to": instants,
        "limit": st.one_of(big_ids.map(str), hostile_text),
        "status": hostile_text,
        "agency": hostile_text,
        "category": hostile_text,
        "district": hostile_text,
        "overdue": hostile_text,
        "order": hostile_text,
        "kind": hostile_text,
    },
)
requests = st.one_of(  # type: ignore[var-annotated]
    st.tuples(st.just("GET"), st.just("/api/v1/reports"), list_params, st.none(), st.none()),
    st.tuples(
        st.just("GET"),
        st.just("/api/v1/reports/export"),
        st.builds(
            lambda p, f, lang: {**p, "format": f, "lang": lang},
            list_params,
            st.sampled_from(["csv", "xlsx", "pdf"]),
            st.sampled_from(["id", "en", "xx"]),
        ),
        st.none(),
        st.none(),
    ),
    st.tuples(
        st.just("GET"),
        st.just("/api/v1/stats/summary"),
        st.fixed_dictionaries({}, optional={"from": days, "to": days}),
        st.none(),
        st.none(),
    ),
    st.tuples(
        st.sampled_from(["POST", "GET"]),
        st.builds(
            lambda i, m: f"/api/v1/reports/{quote(str(i), safe='')}/{m}",
            st.one_of(big_ids, st.just(1), hostile_text),
            st.sampled_from(MOVES),
        ),
        st.just({}),
        st.one_of(st.none(), hostile_text, big_ids.map(lambda i: f'"{i}"')),
        st.fixed_dictionaries(
            {},
            optional={
                "reason": hostile_text,
                "version": st.one_of(big_ids, hostile_text),
                "agency_code": hostile_text,
                "content": hostile_text,
                "score": big_ids,
            },
        ),
    ),
)


def test_hostile_input_never_answers_5xx(settings: Settings) -> None:
    quiet = replace_settings(settings)
    application = create_app(quiet)
    with asyncio.Runner() as runner:
        runner.run(_start(application))
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        keys: Keys = runner.run(_seed(application, http))
        seen: list[int] = []

        @settings_for_property
        @given(request=requests, role=st.sampled_from(["admin", "agency", "viewer", "intake"]))
        def check(
            request: tuple[str, str, dict[str, str], str | None, dict[str, Any] | None], role: str
        ) -> None:
            method, path, params, if_match, body = request
            headers = dict(keys.by_name(role))
            if if_match is not None:
                headers["If-Match"] = if_match.encode("utf-8", "surrogatepass")  # type: ignore[assignment]
            answer = runner.run(http.request(method, path, params=params, json=body, headers=headers))
            seen.append(answer.status_code)
            assert answer.status_code < 500, (method, path, params, if_match, body, answer.text)
            if answer.status_code >= 400:
                shape = answer.json()
                assert isinstance(shape["error"], str) and isinstance(shape["detail"], str), answer.text

        try:
            check()
        finally:
            runner.run(http.aclose())
            runner.run(_stop(application))
    assert len(seen) >= CASES
    assert any(status == 200 for status in seen) and any(400 <= status < 500 for status in seen)


settings_for_property = settings(
    max_examples=CASES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)


def replace_settings(base: Settings) -> Settings:
    """The test's settings without the per-key rate limit (2,000 requests in a minute)."""
    return base.model_copy(update={"rate_limit_per_minute": 0})


_contexts: dict[int, Any] = {}


async def _start(application: Any) -> None:
    context = application.router.lifespan_context(application)
    await context.__aenter__()
    _contexts[id(application)] = context


async def _stop(application: Any) -> None:
    await _contexts.pop(id(application)).__aexit__(None, None, None)


async def _seed(application: Any, http: httpx.AsyncClient) -> Keys:
    keys = await make_keys(application)
    for status in ("unverified", "disposed", "followed_up"):
        await bring_to(http, keys, status)
    return keys
