"""`RemoteMock`: the test controls of a mock national server running in another process."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Self

import httpx

from lapor_mock.controls import JSONObject, MockControls, Move, SeedBatch
from lapor_mock.exchange import ReceivedRequest
from lapor_mock.faults import Fault
from lapor_mock.records import MockProblem


class RemoteMock(MockControls):
    """Drives `lapor-bridge mock-national` through its `/__mock/` routes."""

    def __init__(self, server_url: str, *, timeout: float = 10.0) -> None:
        self.server_url = server_url.rstrip("/")
        self._http = httpx.Client(base_url=self.server_url, timeout=timeout)

    def disconnect(self) -> None:
        """Close the connection to the server."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.disconnect()

    def _call(
        self,
        method: str,
        path: str,
        body: Mapping[str, object] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> JSONObject:
        response = self._http.request(method, f"/__mock{path}", json=body, params=params)
        payload = response.json()
        if not isinstance(payload, dict):
            raise MockProblem(502, f"{method} /__mock{path}: not a JSON object")
        if response.status_code >= 400:
            # The same error the in-process mock raises, so a test reads the same either way.
            errors = payload.get("errors")
            raise MockProblem(
                response.status_code,
                str(payload.get("message", "")),
                errors if isinstance(errors, dict) else None,
            )
        return payload

    def _object(self, payload: JSONObject, key: str) -> JSONObject:
        value = payload[key]
        if not isinstance(value, dict):
            raise MockProblem(502, f"expected an object under {key!r}")
        return value

    def is_ready(self) -> bool:
        """True when the server answers its health check."""
        try:
            return self._http.get("/__mock/health").status_code == 200
        except httpx.TransportError:
            return False

    def reset(self, seed: str | None = None) -> None:
        """Forget everything, then load a preset if given."""
        self._call("POST", "/reset", {"seed": seed})

    def load(self, batch: SeedBatch) -> list[int]:
        """Add a preset and/or records; the new complaint ids."""
        body = {
            "preset": batch.preset,
            "institutions": list(batch.institutions),
            "categories": list(batch.categories),
            "complaints": list(batch.complaints),
            "count": batch.count,
            "follow_ups_each": batch.follow_ups_each,
        }
        ids = self._call("POST", "/seed", body)["ids"]
        return [int(str(i)) for i in ids] if isinstance(ids, list) else []

    def configure(self, **changes: object) -> None:
        """Change the mock's settings."""
        self._call("POST", "/config", changes)

    def make_move(self, move: Move) -> JSONObject:
        """Make a national move on a complaint; the complaint after it."""
        body = {"institution_id": move.institution_id, "content": move.content}
        path = f"/complaints/{move.complaint_id}/{move.action}"
        return self._object(self._call("POST", path, body), "complaint")

    def follow_up(self, complaint_id: int, content: str, *, institution_from_name: str | None = None) -> int:
        """Post a follow-up as the upstream agency; its id."""
        body = {"content": content, "institution_from_name": institution_from_name}
        answer = self._call("POST", f"/complaints/{complaint_id}/follow-up", body)
        return int(str(answer["followup_id"]))

    def set_status(self, complaint_id: int, code: int, name: str | None = None) -> JSONObject:
        """Put a complaint at any status code."""
        answer = self._call("POST", f"/complaints/{complaint_id}/status", {"code": code, "name": name})
        return self._object(answer, "complaint")

    def install_fault(self, fault: Fault) -> None:
        """Put a fault rule in force."""
        self._call("POST", "/faults", fault.model_dump(exclude={"hits"}))

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self._call("DELETE", "/faults")

    def received(self, path: str | None = None, method: str | None = None) -> list[ReceivedRequest]:
        """The requests received so far, oldest first."""
        params = {k: v for k, v in (("path", path), ("method", method)) if v is not None}
        records = self._call("GET", "/received", params=params)["received"]
        if not isinstance(records, list):
            raise MockProblem(502, "expected a list of received requests")
        return [ReceivedRequest.from_json(r) for r in records]

    def clear_received(self) -> None:
        """Forget the requests received so far."""
        self._call("DELETE", "/received")

    def complaint(self, complaint_id: int) -> JSONObject:
        """A complaint as the national API shows it."""
        return self._object(self._call("GET", f"/complaints/{complaint_id}"), "complaint")

    def complaints(self) -> list[JSONObject]:
        """Every complaint, by id."""
        found = self._call("GET", "/complaints")["complaints"]
        if not isinstance(found, list):
            raise MockProblem(502, "expected a list of complaints")
        return [c for c in found if isinstance(c, dict)]
