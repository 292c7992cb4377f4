"""The contract probe's report (assumption · ok · seen), the HTTP session its checks share, and
how it reads a gateway's answers without trusting their shape. See docs/national-api.md, "The
contract probe".

The session sends raw requests, not through `LaporClient`: the probe looks at what the adapter
would hide (which header is accepted, which shape an answer takes). Nothing here records a
header value, so no secret reaches the report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from app.core.config import Settings
from app.sync.wire import parse_wire_datetime


@dataclass
class Check:
    """One assumption of the contract, what the gateway showed, and whether it holds (None: unknown)."""

    assumption: str
    seen: str
    ok: bool | None


@dataclass
class ProbeReport:
    """Every check made, and the settings the operator should set because of them."""

    base_url: str
    checks: list[Check] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)

    def add(self, assumption: str, seen: str, ok: bool | None) -> bool | None:
        """Record one check; its outcome."""
        self.checks.append(Check(assumption, seen, ok))
        return ok

    def as_json(self) -> dict[str, Any]:
        """The report as JSON (no secret is ever part of it)."""
        return asdict(self)


class ProbeSession:
    """One HTTP client, the auth headers found to work, and the report the checks write to."""

    def __init__(self, http: httpx.AsyncClient, settings: Settings) -> None:
        self.http = http
        self.settings = settings
        self.report = ProbeReport(base_url=str(http.base_url))
        self.headers: dict[str, str] = {}
        self.has_list_call = False

    async def get(self, path: str, params: dict[str, str | int] | None = None) -> httpx.Response:
        """A GET with the chosen auth headers."""
        return await self.http.get(path, params=params, headers=self.headers)


def results_of(response: httpx.Response) -> object:
    """The `results` of a JSON answer, or None."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("results") if isinstance(body, dict) else None


def page_rows(response: httpx.Response) -> list[dict[str, Any]] | None:
    """The rows of a 200 page, or None when the answer is no page at all."""
    found = results_of(response) if response.status_code == 200 else None
    data = found.get("data") if isinstance(found, dict) else None
    return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else None


def summary(response: httpx.Response) -> str:
    """`HTTP <status>`, with the answer's message and its first field error when it gives them."""
    message = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        message = str(body.get("message", ""))[:80]
        errors = body.get("errors")
        if isinstance(errors, dict) and errors:
            name, problems = next(iter(errors.items()))
            first = problems[0] if isinstance(problems, list) and problems else problems
            message += f" ({str(name)[:40]}: {str(first)[:80]})"
    return f"HTTP {response.status_code}" + (f": {message.strip()}" if message.strip() else "")


def is_wire_datetime(value: object) -> bool:
    """Whether a value is written `DD-MM-YYYY HH:MM:SS`."""
    try:
        parse_wire_datetime(str(value))
    except ValueError:
        return False
    return True
