"""What goes in and out of the mock, whichever way it is served (respx or a real server)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

import orjson
from pydantic import TypeAdapter

_CREDENTIAL_HEADERS = frozenset({"auth", "authorization", "token"})


@dataclass(frozen=True)
class MockRequest:
    """One HTTP request, independent of how it arrived."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    """Lower-case names."""
    body: bytes
    origin: str
    """`scheme://host[:port]`, to build absolute `next_page_url`s."""

    def param(self, name: str) -> str | None:
        """The last value of a query parameter."""
        values = [v for k, v in self.query if k == name]
        return values[-1] if values else None

    def json(self) -> object:
        """The body as JSON, or None when it is not JSON."""
        try:
            return orjson.loads(self.body) if self.body else None
        except orjson.JSONDecodeError:
            return None

    def form(self) -> tuple[dict[str, str], list[tuple[str, str, str, int]]]:
        """Form fields and files `(field, file name, content type, size)` of a form body."""
        kind = self.headers.get("content-type", "")
        if kind.startswith("application/x-www-form-urlencoded"):
            return dict(parse_qsl(self.body.decode("utf-8", "replace"))), []
        if not kind.startswith("multipart/form-data"):
            return {}, []
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + kind.encode("latin-1") + b"\r\n\r\n" + self.body
        )
        fields: dict[str, str] = {}
        files: list[tuple[str, str, str, int]] = []
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if not isinstance(name, str) or not isinstance(payload, bytes):
                continue
            file_name = part.get_filename()
            if file_name is None:
                fields[name] = payload.decode("utf-8", "replace")
            else:
                files.append((name, file_name, part.get_content_type(), len(payload)))
        return fields, files


@dataclass
class MockAnswer:
    """The mock's answer, and how to deliver it (after a delay; or not at all)."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    """Close the connection instead of answering."""


def json_answer(status: int, payload: object, headers: dict[str, str] | None = None) -> MockAnswer:
    """A JSON answer."""
    return MockAnswer(status, orjson.dumps(payload), "application/json", headers or {})


@dataclass(frozen=True)
class ReceivedRequest:
    """A request the mock received (credentials masked), with what became of it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: object
    form: dict[str, str]
    files: list[str]
    status: int | None
    """None when the connection was dropped."""
    fault: str | None

    @classmethod
    def of(cls, request: MockRequest, path: str) -> ReceivedRequest:
        """Record a request (its outcome is filled in by `answered`)."""
        fields, files = request.form()
        headers = {
            name: ("***" if name in _CREDENTIAL_HEADERS else value) for name, value in request.headers.items()
        }
        return cls(
            method=request.method,
            path=path,
            query=dict(request.query),
            headers=headers,
            body=request.json(),
            form=fields,
            files=[file_name for _, file_name, _, _ in files],
            status=None,
            fault=None,
        )

    def answered(self, status: int | None, fault: str | None) -> ReceivedRequest:
        """This record with its outcome."""
        return ReceivedRequest(**{**asdict(self), "status": status, "fault": fault})

    def to_json(self) -> dict[str, object]:
        """The record as JSON."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ReceivedRequest:
        """A record read back from JSON."""
        return _RECEIVED.validate_python(data)


_RECEIVED = TypeAdapter(ReceivedRequest)
