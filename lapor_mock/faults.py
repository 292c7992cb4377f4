"""Faults the mock injects: error statuses, 429s, latency, dropped connections, lost answers."""

from __future__ import annotations

import random
from fnmatch import fnmatchcase
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

FaultKind = Literal["status", "rate_limit", "latency", "drop", "lose_answer"]
"""
- `status`: answer `status` (a gateway HTML page for 5xx unless `body` is given), not processed;
- `rate_limit`: answer 429 with `Retry-After: retry_after`, not processed;
- `latency`: wait `latency` seconds, then process and answer normally;
- `drop`: close the connection before processing: nothing is stored;
- `lose_answer`: process (a write is stored), then close the connection: the answer is lost.
Any kind also waits `latency` seconds first when it is set.
"""


class Fault(BaseModel):
    """One fault rule: what to do, to which calls, how often."""

    model_config = ConfigDict(extra="forbid")

    kind: FaultKind = "status"
    status: int = Field(503, ge=100, le=599)
    retry_after: float | None = Field(None, ge=0)
    latency: float = Field(0.0, ge=0)
    body: str | None = None
    content_type: str | None = None
    times: int | None = Field(1, ge=1)
    """How many calls it hits before it is spent; None: no limit."""
    fraction: float = Field(1.0, ge=0, le=1)
    """The chance that a matching call is hit, drawn from a generator seeded with `seed`."""
    seed: int | None = None
    path: str = "*"
    """A glob on the path below the base path, e.g. `/complaints/*/complaint`."""
    method: str | None = None
    hits: int = 0
    _rng: random.Random = PrivateAttr(default_factory=random.Random)

    def model_post_init(self, context: object, /) -> None:
        """Seed the generator and normalise the method."""
        self._rng = random.Random(self.seed)  # noqa: S311 - reproducible test faults, not crypto
        if self.method:
            self.method = self.method.upper()

    @property
    def spent(self) -> bool:
        """True once it has hit `times` calls."""
        return self.times is not None and self.hits >= self.times

    def strikes(self, method: str, path: str) -> bool:
        """Whether this call is hit (counting it when it is)."""
        if self.spent or (self.method and self.method != method):
            return False
        if not fnmatchcase(path, self.path):
            return False
        if self.fraction < 1.0 and self._rng.random() >= self.fraction:
            return False
        self.hits += 1
        return True


class FaultPlan:
    """The fault rules in force, first match wins."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Put a rule in force."""
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every rule."""
        self.faults.clear()

    def pick(self, method: str, path: str) -> Fault | None:
        """The fault that hits this call, if any; spent rules are dropped."""
        for fault in self.faults:
            if fault.strikes(method, path):
                self.faults = [f for f in self.faults if not f.spent]
                return fault
        return None


_PHRASES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def fault_body(fault: Fault) -> tuple[bytes, str]:
    """The body and content type a status fault answers with."""
    if fault.body is not None:
        return fault.body.encode(), fault.content_type or "application/json"
    phrase = _PHRASES.get(fault.status, "Error")
    if fault.status >= 500:
        page = (
            f"<html>\r\n<head><title>{fault.status} {phrase}</title></head>\r\n<body>\r\n"
            f"<center><h1>{fault.status} {phrase}</h1></center>\r\n"
            "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        )
        return page.encode(), "text/html"
    return orjson.dumps({"message": phrase}), "application/json"
