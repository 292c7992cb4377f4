"""`NationalMock`: the one in-memory national LAPOR, whichever way it is served."""

from __future__ import annotations

import math
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter, ValidationError

from lapor_mock import api
from lapor_mock.control_routes import serve_control
from lapor_mock.controls import ACTIONS, JSONObject, MockControls, Move, SeedBatch
from lapor_mock.demo import REGENCY_ID, REGENCY_NAME, load_bulk, load_demo
from lapor_mock.exchange import MockAnswer, MockRequest, ReceivedRequest, json_answer
from lapor_mock.faults import Fault, FaultPlan, fault_body
from lapor_mock.records import MockProblem, utc_now
from lapor_mock.render import render_complaint
from lapor_mock.seeding import seed_records
from lapor_mock.state import NationalState
from lapor_mock.variants import VARIANT_SETTINGS, Variant, shape_answer

DEFAULT_AUTH_SECRET = "mock-auth-secret"  # noqa: S105 - the mock's own test value
DEFAULT_TOKEN = "5f0c6a3e-2b1d-4c8e-9a7f-6201b0b0c0de"  # noqa: S105 - the mock's own test value
DEFAULT_BASE_PATH = "/lapor/3.0.0"
PRESETS = ("demo", "bulk")


@dataclass(frozen=True)
class MockSettings:
    """How the mock national LAPOR behaves."""

    auth_secret: str = DEFAULT_AUTH_SECRET
    token: str = DEFAULT_TOKEN
    institution_id: int = REGENCY_ID
    """The institution the token belongs to (the regency)."""
    auth_header: Literal["either", "auth", "authorization"] = "either"
    """Which header this gateway reads the secret from."""
    has_list_call: bool = True
    """False: `GET /complaints` answers 404, like gateways without the list call."""
    rate_limit_per_minute: int | None = None
    """Answer 429 past this many calls a minute per token (None: no limit)."""
    base_path: str = DEFAULT_BASE_PATH
    variant: Variant = "contract"
    """The answer shapes of one kind of gateway (`lapor_mock.variants`)."""
    sandbox_dispose_after: Annotated[float | None, Field(ge=0)] = None
    """Like a sandbox whose admin verifies what institutions file: this many seconds after an
    institution files a complaint through the API, it is verified and dispositioned to the
    institution it names (None: nobody does; it waits at Belum Terverifikasi for a test to act)."""


_SETTINGS = TypeAdapter(MockSettings)


class NationalMock(MockControls):
    """National LAPOR in memory: the contract's endpoints, its statuses, and test controls."""

    def __init__(
        self,
        settings: MockSettings | None = None,
        *,
        seed: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = self._initial_settings = settings or MockSettings()
        self._clock = clock
        self._monotonic = monotonic
        self.state = self._new_state()
        self.faults = FaultPlan()
        self._received: deque[ReceivedRequest] = deque(maxlen=10_000)
        self._calls: dict[str, deque[float]] = {}
        if seed:
            self.seed(seed)

    def _new_state(self) -> NationalState:
        state = NationalState(institution_id=self.settings.institution_id, clock=self._clock)
        if self.settings.institution_id == REGENCY_ID:
            state.add_institution(REGENCY_ID, REGENCY_NAME)
        else:
            state.add_institution(self.settings.institution_id, "Instansi Pengujian")
        return state

    # --- serving ---

    def handle(self, request: MockRequest) -> MockAnswer:
        """Answer one HTTP request: a `/__mock/` control, or the national API with faults."""
        self._sandbox_admin()
        if request.path == "/__mock" or request.path.startswith("/__mock/"):
            return serve_control(self, request)
        base = self.settings.base_path.rstrip("/")
        if base and request.path != base and not request.path.startswith(base + "/"):
            return json_answer(404, {"message": "Not Found"})
        path = request.path[len(base) :] or "/"
        record = ReceivedRequest.of(request, path)
        fault = self.faults.pick(request.method, path)
        answer = self._answer(request, path, fault)
        status = None if answer.drop else answer.status
        self._received.append(record.answered(status, fault.kind if fault else None))
        return answer

    def _sandbox_admin(self) -> None:
        """The sandbox's admin at work (`sandbox_dispose_after`), whenever the mock is asked anything."""
        delay = self.settings.sandbox_dispose_after
        if delay is not None:
            self.state.disposition_filings(self._clock() - timedelta(seconds=delay))

    def _answer(self, request: MockRequest, path: str, fault: Fault | None) -> MockAnswer:
        if fault is None:
            return self._serve(request, path)
        if fault.kind == "drop":
            return MockAnswer(0, drop=True, delay=fault.latency)
        if fault.kind in ("status", "rate_limit"):
            status = 429 if fault.kind == "rate_limit" else fault.status
            body, kind = fault_body(fault.model_copy(update={"status": status}))
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = _seconds(fault.retry_after)
            return MockAnswer(status, body, kind, headers, delay=fault.latency)
        answer = self._serve(request, path)
        answer.delay = fault.latency
        answer.drop = fault.kind == "lose_answer"
        return answer

    def _serve(self, request: MockRequest, path: str) -> MockAnswer:
        refusal = self._authenticate(request) or self._rate_limit(request)
        if refusal is not None:
            return refusal
        known_path = False
        for method, pattern, handler in api.ROUTES:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            known_path = True
            if method != request.method:
                continue
            if handler is api.list_complaints and not self.settings.has_list_call:
                break
            try:
                status, results = handler(self.state, request, match)
            except MockProblem as problem:
                return _problem_answer(problem)
            held = self._status_name(match)
            return json_answer(status, shape_answer(self.settings.variant, handler.__name__, results, held))
        if known_path and self.settings.has_list_call:
            return json_answer(405, {"message": "Method Not Allowed"})
        return json_answer(404, {"message": "Not Found"})

    def _status_name(self, match: re.Match[str]) -> str | None:
        complaint_id = match.groupdict().get("id")
        complaint = self.state.complaints.get(int(complaint_id)) if complaint_id else None
        return complaint.status_name if complaint else None

    def _authenticate(self, request: MockRequest) -> MockAnswer | None:
        names = {"either": ("auth", "authorization"), "auth": ("auth",)}.get(
            self.settings.auth_header, ("authorization",)
        )
        presented = [request.headers[name] for name in names if name in request.headers]
        token = request.headers.get("token")
        if not presented or token is None:
            return json_answer(401, {"message": "Unauthenticated."})
        secret = self.settings.auth_secret
        # `auth` carries `Bearer <secret>`; newer gateways take `Authorization: <value>` with or without it.
        accepted = {f"Bearer {secret}"} | ({secret} if "authorization" in names else set())
        if not accepted & set(presented) or token != self.settings.token:
            return json_answer(403, {"message": "Forbidden."})
        return None

    def _rate_limit(self, request: MockRequest) -> MockAnswer | None:
        limit = self.settings.rate_limit_per_minute
        if limit is None:
            return None
        now = self._monotonic()
        calls = self._calls.setdefault(request.headers.get("token", ""), deque())
        while calls and calls[0] <= now - 60.0:
            calls.popleft()
        if len(calls) >= limit:
            wait = _seconds(max(1.0, math.ceil(calls[0] + 60.0 - now)))
            return json_answer(429, {"message": "Too Many Attempts."}, {"Retry-After": wait})
        calls.append(now)
        return None

    # --- controls (see MockControls) ---

    def reset(self, seed: str | None = None) -> None:
        """Forget everything (data, settings, faults, requests), then load a preset if given."""
        self.settings = self._initial_settings
        self.state = self._new_state()
        self.faults.clear()
        self._received.clear()
        self._calls.clear()
        if seed:
            self.seed(seed)

    def load(self, batch: SeedBatch) -> list[int]:
        """Add a preset and/or records; the new complaint ids."""
        ids: list[int] = []
        if batch.preset == "demo":
            ids += load_demo(self.state)
        elif batch.preset == "bulk":
            count = batch.count if batch.count is not None else 1000
            ids += load_bulk(self.state, count, batch.follow_ups_each)
        elif batch.preset is not None:
            raise MockProblem(400, f"unknown preset {batch.preset!r}; one of {PRESETS}")
        return ids + seed_records(
            self.state,
            institutions=batch.institutions,
            categories=batch.categories,
            complaints=batch.complaints,
        )

    def configure(self, **changes: object) -> None:
        """Change the mock's settings."""
        known = {f.name for f in fields(MockSettings)}
        unknown = set(changes) - known
        if unknown:
            raise MockProblem(400, f"unknown settings {sorted(unknown)}; known: {sorted(known)}")
        variant = changes.get("variant")
        if isinstance(variant, str) and variant in VARIANT_SETTINGS:
            changes = {**VARIANT_SETTINGS[variant], **changes}
        try:
            self.settings = _SETTINGS.validate_python({**asdict(self.settings), **changes})
        except ValidationError as exc:
            raise MockProblem(400, f"bad settings: {exc.errors(include_url=False)}") from exc
        self.state.institution_id = self.settings.institution_id

    def make_move(self, move: Move) -> JSONObject:
        """Make a national move on a complaint; the complaint after it."""
        if move.action not in ACTIONS:
            raise MockProblem(400, f"unknown action {move.action!r}; one of {ACTIONS}")
        institution_id = move.institution_id
        if move.action == "dispose" and institution_id is None:
            institution_id = self.settings.institution_id
        self.state.move(move.complaint_id, move.action, content=move.content, institution_id=institution_id)
        return self.complaint(move.complaint_id)

    def follow_up(self, complaint_id: int, content: str, *, institution_from_name: str | None = None) -> int:
        """Post a follow-up as the upstream agency holding the complaint; its id."""
        if not content.strip():
            raise MockProblem(400, "content is required")
        posted = self.state.add_follow_up(
            complaint_id, content=content, institution_from_name=institution_from_name
        )
        return posted.id

    def set_status(self, complaint_id: int, code: int, name: str | None = None) -> JSONObject:
        """Put a complaint at any status code."""
        self.state.set_status(complaint_id, code, name)
        return self.complaint(complaint_id)

    def install_fault(self, fault: Fault) -> None:
        """Put a fault rule in force."""
        self.faults.add(fault)

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self.faults.clear()

    def received(self, path: str | None = None, method: str | None = None) -> list[ReceivedRequest]:
        """The requests received so far, oldest first."""
        return [
            r
            for r in self._received
            if (path is None or fnmatchcase(r.path, path)) and (method is None or r.method == method.upper())
        ]

    def clear_received(self) -> None:
        """Forget the requests received so far."""
        self._received.clear()

    def complaint(self, complaint_id: int) -> JSONObject:
        """A complaint as the national API shows it."""
        return render_complaint(self.state, self.state.complaint(complaint_id))

    def complaints(self) -> list[JSONObject]:
        """Every complaint, by id."""
        return [render_complaint(self.state, c) for _, c in sorted(self.state.complaints.items())]


def _problem_answer(problem: MockProblem) -> MockAnswer:
    body: dict[str, object] = {"message": problem.message}
    if problem.errors:
        body["errors"] = problem.errors
    return json_answer(problem.status, body)


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
