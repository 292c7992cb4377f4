"""The `/__mock/` routes of a mock server: each answers by calling one of its `MockControls`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from pydantic import ValidationError

from lapor_mock.controls import MockControls, Move, SeedBatch
from lapor_mock.exchange import MockAnswer, MockRequest, json_answer
from lapor_mock.faults import Fault
from lapor_mock.records import MockProblem

Body = Mapping[str, object]
Route = Callable[[MockControls, MockRequest, Body, "re.Match[str]"], MockAnswer]
"""(controls, request, its JSON object body, the path match) → the answer."""

_OK = {"ok": True}


def serve_control(controls: MockControls, request: MockRequest) -> MockAnswer:
    """Answer a `/__mock/...` request by calling the matching control."""
    body = request.json()
    data: Body = body if isinstance(body, dict) else {}
    path = request.path.rstrip("/")
    for method, pattern, route in _ROUTES:
        match = pattern.fullmatch(path)
        if match is None or method != request.method:
            continue
        try:
            return route(controls, request, data, match)
        except MockProblem as problem:
            return json_answer(problem.status, {"message": problem.message, "errors": problem.errors})
        except (ValidationError, ValueError, TypeError, KeyError) as exc:
            return json_answer(400, {"message": f"bad control request: {exc}"})
    return json_answer(404, {"message": f"no mock control {request.method} {path}"})


def _health(controls: MockControls, request: MockRequest, data: Body, match: re.Match[str]) -> MockAnswer:
    return json_answer(200, _OK)


def _reset(controls: MockControls, request: MockRequest, data: Body, match: re.Match[str]) -> MockAnswer:
    controls.reset(_opt_str(data.get("seed")))
    return json_answer(200, _OK)


def _seed(controls: MockControls, request: MockRequest, data: Body, match: re.Match[str]) -> MockAnswer:
    batch = SeedBatch(
        preset=_opt_str(data.get("preset")),
        institutions=_records(data.get("institutions")),
        categories=_records(data.get("categories")),
        complaints=_records(data.get("complaints")),
        count=_opt_int(data.get("count")),
        follow_ups_each=_opt_int(data.get("follow_ups_each")) or 0,
    )
    return json_answer(200, {"ids": controls.load(batch)})


def _configure(controls: MockControls, request: MockRequest, data: Body, match: re.Match[str]) -> MockAnswer:
    controls.configure(**data)
    return json_answer(200, _OK)


def _add_fault(controls: MockControls, request: MockRequest, data: Body, match: re.Match[str]) -> MockAnswer:
    controls.install_fault(Fault.model_validate(data))
    return json_answer(200, _OK)


def _clear_faults(
    controls: MockControls, request: MockRequest, data: Body, match: re.Match[str]
) -> MockAnswer:
    controls.clear_faults()
    return json_answer(200, _OK)


def _received(controls: MockControls, request: MockRequest, data: Body, match: re.Match[str]) -> MockAnswer:
    found = controls.received(request.param("path"), request.param("method"))
    return json_answer(200, {"received": [r.to_json() for r in found]})


def _clear_received(
    controls: MockControls, request: MockRequest, data: Body, match: re.Match[str]
) -> MockAnswer:
    controls.clear_received()
    return json_answer(200, _OK)


def _complaints(controls: MockControls, request: MockRequest, data: Body, match: re.Match[str]) -> MockAnswer:
    return json_answer(200, {"complaints": controls.complaints()})


def _complaint(controls: MockControls, request: MockRequest, data: Body, match: re.Match[str]) -> MockAnswer:
    return json_answer(200, {"complaint": controls.complaint(int(match["id"]))})


def _follow_up(controls: MockControls, request: MockRequest, data: Body, match: re.Match[str]) -> MockAnswer:
    posted = controls.follow_up(
        int(match["id"]),
        str(data.get("content", "")),
        institution_from_name=_opt_str(data.get("institution_from_name")),
    )
    return json_answer(200, {"followup_id": posted})


def _set_status(controls: MockControls, request: MockRequest, data: Body, match: re.Match[str]) -> MockAnswer:
    code = _opt_int(data.get("code"))
    if code is None:
        raise MockProblem(400, "code is required")
    changed = controls.set_status(int(match["id"]), code, _opt_str(data.get("name")))
    return json_answer(200, {"complaint": changed})


def _act(controls: MockControls, request: MockRequest, data: Body, match: re.Match[str]) -> MockAnswer:
    move = Move(
        complaint_id=int(match["id"]),
        action=match["action"].replace("-", "_"),
        institution_id=_opt_int(data.get("institution_id")),
        content=_opt_str(data.get("content")),
    )
    return json_answer(200, {"complaint": controls.make_move(move)})


_ONE = r"/__mock/complaints/(?P<id>\d+)"
_ROUTES: list[tuple[str, re.Pattern[str], Route]] = [
    (method, re.compile(path), route)
    for method, path, route in (
        ("GET", "/__mock/health", _health),
        ("POST", "/__mock/reset", _reset),
        ("POST", "/__mock/seed", _seed),
        ("POST", "/__mock/config", _configure),
        ("POST", "/__mock/faults", _add_fault),
        ("DELETE", "/__mock/faults", _clear_faults),
        ("GET", "/__mock/received", _received),
        ("DELETE", "/__mock/received", _clear_received),
        ("GET", "/__mock/complaints", _complaints),
        ("GET", _ONE, _complaint),
        ("POST", _ONE + "/follow[-_]up", _follow_up),
        ("POST", _ONE + "/status", _set_status),
        ("POST", _ONE + "/(?P<action>[a-z_-]+)", _act),
    )
]
"""Each control: its method, its path (matched whole, first match wins), and what answers it."""


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
