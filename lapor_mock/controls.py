"""The mock's test controls: one interface, used in-process or over HTTP under `/__mock/`.

`MockControls` is what a test drives: seed data, act as the national admin or an upstream
agency, inject faults, read what the mock received, reset. `NationalMock` implements it in
memory; `RemoteMock` implements it by calling a running mock server's `/__mock/` routes, which
`serve_control` answers.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence

from pydantic import ValidationError

from lapor_mock.exchange import MockAnswer, MockRequest, ReceivedRequest, json_answer
from lapor_mock.faults import Fault, FaultKind
from lapor_mock.state import MockProblem

JSONObject = dict[str, object]

ACTIONS = ("verify", "dispose", "process", "close", "reopen", "archive", "reject")
"""Moves a test can make as the national admin or the upstream agency (besides follow-up)."""


class MockControls(ABC):
    """Drive a mock national LAPOR from a test."""

    @abstractmethod
    def reset(self, seed: str | None = None) -> None:
        """Forget everything (data, settings, faults, requests), then load a preset if given."""

    @abstractmethod
    def seed(
        self,
        preset: str | None = None,
        *,
        institutions: Sequence[Mapping[str, object]] = (),
        categories: Sequence[Mapping[str, object]] = (),
        complaints: Sequence[Mapping[str, object]] = (),
        count: int | None = None,
    ) -> list[int]:
        """Add a preset (`demo`, or `bulk` with `count`) and/or records; the new complaint ids.

        A complaint is given with wire-style fields (`title`, `content`, `classification_id`,
        `status_code`, `disposition_id`, `tags` or `tags_raw`, `is_anonymous`, `reporter`,
        `created_at` as `DD-MM-YYYY HH:MM:SS`, ...); fields the contract does not know are kept
        and shown as they are.
        """

    @abstractmethod
    def configure(self, **changes: object) -> None:
        """Change the mock's settings (`has_list_call`, `auth_header`, `rate_limit_per_minute`, ...)."""

    @abstractmethod
    def act(
        self,
        complaint_id: int,
        action: str,
        *,
        institution_id: int | None = None,
        content: str | None = None,
    ) -> JSONObject:
        """Make a national move on a complaint (one of `ACTIONS`); the complaint after it."""

    @abstractmethod
    def follow_up(self, complaint_id: int, content: str, *, institution_from_name: str | None = None) -> int:
        """Post a follow-up as the upstream agency holding the complaint; its id."""

    @abstractmethod
    def set_status(self, complaint_id: int, code: int, name: str | None = None) -> JSONObject:
        """Put a complaint at any status code, even one the contract does not list."""

    @abstractmethod
    def install_fault(self, fault: Fault) -> None:
        """Put a fault rule in force."""

    @abstractmethod
    def clear_faults(self) -> None:
        """Remove every fault rule."""

    @abstractmethod
    def received(self, path: str | None = None, method: str | None = None) -> list[ReceivedRequest]:
        """The requests received so far (oldest first), filtered by a path glob and method."""

    @abstractmethod
    def clear_received(self) -> None:
        """Forget the requests received so far."""

    @abstractmethod
    def complaint(self, complaint_id: int) -> JSONObject:
        """A complaint as the national API shows it."""

    @abstractmethod
    def complaints(self) -> list[JSONObject]:
        """Every complaint, by id."""

    # --- shortcuts, the same for every implementation ---

    def add_complaint(self, **fields: object) -> int:
        """Add one complaint (as a citizen would file it nationally); its id."""
        return self.seed(complaints=[fields])[0]

    def verify(self, complaint_id: int) -> JSONObject:
        """As the national admin: verify (0 → 1)."""
        return self.act(complaint_id, "verify")

    def dispose(self, complaint_id: int, institution_id: int | None = None) -> JSONObject:
        """As the national admin: disposition to an institution (default: the regency)."""
        return self.act(complaint_id, "dispose", institution_id=institution_id)

    def process(self, complaint_id: int) -> JSONObject:
        """As the agency: take it up (2 → 3)."""
        return self.act(complaint_id, "process")

    def close(self, complaint_id: int) -> JSONObject:
        """Complete it (4 → 5)."""
        return self.act(complaint_id, "close")

    def reopen(self, complaint_id: int) -> JSONObject:
        """The reporter objects (4 or 5 → 3)."""
        return self.act(complaint_id, "reopen")

    def archive(self, complaint_id: int) -> JSONObject:
        """Archive it (5 or 7 → 6)."""
        return self.act(complaint_id, "archive")

    def reject(self, complaint_id: int, reason: str | None = None) -> JSONObject:
        """As the national admin: reject it (0 or 1 → 7)."""
        return self.act(complaint_id, "reject", content=reason)

    def add_fault(
        self,
        kind: FaultKind = "status",
        *,
        status: int = 503,
        retry_after: float | None = None,
        latency: float = 0.0,
        body: str | None = None,
        content_type: str | None = None,
        times: int | None = 1,
        fraction: float = 1.0,
        seed: int | None = None,
        path: str = "*",
        method: str | None = None,
    ) -> None:
        """Inject a fault into the next `times` matching calls (or a `fraction` of them)."""
        self.install_fault(
            Fault(
                kind=kind,
                status=status,
                retry_after=retry_after,
                latency=latency,
                body=body,
                content_type=content_type,
                times=times,
                fraction=fraction,
                seed=seed,
                path=path,
                method=method,
            )
        )

    def fail_next(
        self, *statuses: int, path: str = "*", method: str | None = None, body: str | None = None
    ) -> None:
        """Answer the next matching calls with these statuses, in order (e.g. 503, 503)."""
        for status in statuses:
            self.add_fault("status", status=status, path=path, method=method, body=body)

    def rate_limit_next(self, retry_after: float, *, times: int = 1, path: str = "*") -> None:
        """Answer 429 with `Retry-After` to the next matching calls."""
        self.add_fault("rate_limit", status=429, retry_after=retry_after, times=times, path=path)

    def slow_next(self, seconds: float, *, times: int = 1, path: str = "*") -> None:
        """Answer the next matching calls only after `seconds`."""
        self.add_fault("latency", latency=seconds, times=times, path=path)

    def drop_next(self, *, times: int = 1, path: str = "*", method: str | None = None) -> None:
        """Close the connection on the next matching calls, before processing them."""
        self.add_fault("drop", times=times, path=path, method=method)

    def lose_answer_next(
        self, *, times: int = 1, path: str = "/complaints/complaint", method: str | None = "POST"
    ) -> None:
        """Store the next matching writes, then close the connection: the answer is lost."""
        self.add_fault("lose_answer", times=times, path=path, method=method)


_ACT = re.compile(r"/__mock/complaints/(?P<id>\d+)/(?P<action>[a-z_-]+)")
_ONE = re.compile(r"/__mock/complaints/(?P<id>\d+)")


def serve_control(controls: MockControls, request: MockRequest) -> MockAnswer:
    """Answer a `/__mock/...` request by calling the matching control."""
    try:
        return _route_control(controls, request)
    except MockProblem as problem:
        return json_answer(problem.status, {"message": problem.message, "errors": problem.errors})
    except (ValidationError, ValueError, TypeError, KeyError) as exc:
        return json_answer(400, {"message": f"bad control request: {exc}"})


def _route_control(controls: MockControls, request: MockRequest) -> MockAnswer:
    method, path = request.method, request.path.rstrip("/")
    body = request.json()
    data: Mapping[str, object] = body if isinstance(body, dict) else {}
    if (method, path) == ("GET", "/__mock/health"):
        return json_answer(200, {"ok": True})
    if (method, path) == ("POST", "/__mock/reset"):
        controls.reset(_opt_str(data.get("seed")))
        return json_answer(200, {"ok": True})
    if (method, path) == ("POST", "/__mock/seed"):
        ids = controls.seed(
            _opt_str(data.get("preset")),
            institutions=_records(data.get("institutions")),
            categories=_records(data.get("categories")),
            complaints=_records(data.get("complaints")),
            count=_opt_int(data.get("count")),
        )
        return json_answer(200, {"ids": ids})
    if (method, path) == ("POST", "/__mock/config"):
        controls.configure(**data)
        return json_answer(200, {"ok": True})
    if path == "/__mock/faults":
        if method == "POST":
            controls.install_fault(Fault.model_validate(data))
        elif method == "DELETE":
            controls.clear_faults()
        return json_answer(200, {"ok": True})
    if path == "/__mock/received":
        if method == "DELETE":
            controls.clear_received()
            return json_answer(200, {"ok": True})
        found = controls.received(request.param("path"), request.param("method"))
        return json_answer(200, {"received": [r.to_json() for r in found]})
    if (method, path) == ("GET", "/__mock/complaints"):
        return json_answer(200, {"complaints": controls.complaints()})
    if method == "GET" and (one := _ONE.fullmatch(path)):
        return json_answer(200, {"complaint": controls.complaint(int(one["id"]))})
    if method == "POST" and (act := _ACT.fullmatch(path)):
        complaint_id, action = int(act["id"]), act["action"].replace("-", "_")
        if action == "follow_up":
            follow_up_id = controls.follow_up(
                complaint_id,
                str(data.get("content", "")),
                institution_from_name=_opt_str(data.get("institution_from_name")),
            )
            return json_answer(200, {"followup_id": follow_up_id})
        if action == "status":
            code = _opt_int(data.get("code"))
            if code is None:
                raise MockProblem(400, "code is required")
            changed = controls.set_status(complaint_id, code, _opt_str(data.get("name")))
            return json_answer(200, {"complaint": changed})
        moved = controls.act(
            complaint_id,
            action,
            institution_id=_opt_int(data.get("institution_id")),
            content=_opt_str(data.get("content")),
        )
        return json_answer(200, {"complaint": moved})
    return json_answer(404, {"message": f"no mock control {method} {path}"})


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _opt_int(value: object) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    return int(str(value))


def _records(value: object) -> list[Mapping[str, object]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError("expected a list of objects")
    return list(value)
