"""The mock's test controls: one interface, used in-process or over HTTP under `/__mock/`.

`MockControls` is what a test drives: seed data, act as the national admin or an upstream
agency, inject faults, read what the mock received, reset. `NationalMock` implements it in
memory; `RemoteMock` implements it by calling a running mock server's `/__mock/` routes, which
`lapor_mock.control_routes.serve_control` answers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lapor_mock.exchange import ReceivedRequest
from lapor_mock.faults import Fault, FaultKind

JSONObject = dict[str, object]

ACTIONS = ("verify", "dispose", "process", "close", "reopen", "archive", "reject")
"""Moves a test can make as the national admin or the upstream agency (besides follow-up)."""


@dataclass(frozen=True)
class SeedBatch:
    """What one `seed` call adds (see `MockControls.seed`)."""

    preset: str | None = None
    institutions: Sequence[Mapping[str, object]] = ()
    categories: Sequence[Mapping[str, object]] = ()
    complaints: Sequence[Mapping[str, object]] = ()
    count: int | None = None
    follow_ups_each: int = 0


@dataclass(frozen=True)
class Move:
    """One national move a test makes on a complaint (see `MockControls.act`)."""

    complaint_id: int
    action: str
    institution_id: int | None = None
    content: str | None = None


class MockControls(ABC):
    """Drive a mock national LAPOR from a test."""

    @abstractmethod
    def reset(self, seed: str | None = None) -> None:
        """Forget everything (data, settings, faults, requests), then load a preset if given."""

    def seed(
        self,
        preset: str | None = None,
        *,
        institutions: Sequence[Mapping[str, object]] = (),
        categories: Sequence[Mapping[str, object]] = (),
        complaints: Sequence[Mapping[str, object]] = (),
        count: int | None = None,
        follow_ups_each: int = 0,
    ) -> list[int]:
        """Add a preset (`demo`, or `bulk` with `count`) and/or records; the new complaint ids.

        A complaint is given with wire-style fields (`title`, `content`, `classification_id`,
        `status_code`, `disposition_id`, `tags` or `tags_raw`, `is_anonymous`, `reporter`,
        `created_at` as `DD-MM-YYYY HH:MM:SS`, ...); fields the contract does not know are kept
        and shown as they are. With `follow_ups_each` (bulk only), every bulk complaint is held by
        the regency and carries that many follow-ups.
        """
        return self.load(SeedBatch(preset, institutions, categories, complaints, count, follow_ups_each))

    @abstractmethod
    def load(self, batch: SeedBatch) -> list[int]:
        """Add what `batch` holds; the new complaint ids (what `seed` does)."""

    @abstractmethod
    def configure(self, **changes: object) -> None:
        """Change the mock's settings (`has_list_call`, `auth_header`, `rate_limit_per_minute`, ...)."""

    def act(
        self,
        complaint_id: int,
        action: str,
        *,
        institution_id: int | None = None,
        content: str | None = None,
    ) -> JSONObject:
        """Make a national move on a complaint (one of `ACTIONS`); the complaint after it."""
        return self.make_move(Move(complaint_id, action, institution_id, content))

    @abstractmethod
    def make_move(self, move: Move) -> JSONObject:
        """Make one national move; the complaint after it (what `act` does)."""

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

    def add_fault(self, kind: FaultKind = "status", **rule: object) -> None:
        """Inject a fault into the next matching calls: `kind` and the rest of a `Fault`'s fields
        (`status`, `retry_after`, `latency`, `body`, `times`, `fraction`, `path`, ...)."""
        self.install_fault(Fault.model_validate({"kind": kind, **rule}))

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
