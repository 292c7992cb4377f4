"""`lapor-bridge national probe`: check each assumption of the contract against the configured gateway.

Raw requests, not `LaporClient`: the probe looks at what the adapter would hide (which header is
accepted, which shape an answer takes). It never records a header value, so no secret reaches its
report. See docs/national-api.md, "The contract probe".
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from pydantic import TypeAdapter, ValidationError

from app.core.config import Settings
from app.sync.auth import AuthForm, auth_headers
from app.sync.status_map import national_status
from app.sync.wire import (
    PLACEHOLDER,
    ComplaintDetail,
    ComplaintFiling,
    Envelope,
    FiledComplaint,
    FollowUpPage,
    format_wire_datetime,
    parse_wire_datetime,
)

_DETAIL = TypeAdapter(Envelope[ComplaintDetail])
_FOLLOW_UPS = TypeAdapter(Envelope[FollowUpPage])
_FILED = TypeAdapter(Envelope[FiledComplaint])


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


class Probe:
    """Runs the checks over one HTTP client, with the auth form found to work."""

    def __init__(self, http: httpx.AsyncClient, settings: Settings) -> None:
        self.http = http
        self.settings = settings
        self.report = ProbeReport(base_url=str(http.base_url))
        self.headers: dict[str, str] = {}
        self.has_list_call = False

    async def run(self, *, write: bool, complaint_id: int | None) -> ProbeReport:
        """Every read-only check; with `write`, file a tagged test complaint and follow it up."""
        if not await self.check_auth():
            return self.report
        await self.check_master("institutions", "/masters/institutions/external")
        await self.check_master("categories", "/masters/categories")
        listed = await self.check_list_call()
        target = complaint_id if complaint_id is not None else listed
        if write:
            target = await self.check_filing() or target
        if target is None:
            self.report.add(
                "one complaint's detail and log", "no complaint to read (give --complaint-id)", None
            )
        else:
            await self.check_detail(target)
            await self.check_follow_ups(target, post=write)
        return self.report

    async def _get(self, path: str, params: dict[str, str | int] | None = None) -> httpx.Response:
        return await self.http.get(path, params=params, headers=self.headers)

    async def check_auth(self) -> bool:
        """Which auth header forms are accepted; the configured one kept if it works."""
        secret, token = self.settings.lapor_auth_secret, self.settings.lapor_token
        accepted: list[AuthForm] = []
        for form in AuthForm:
            self.headers = auth_headers(form, secret, token, header_name=self.settings.lapor_auth_header_name)
            status = (
                await self._get("/masters/institutions/external", {"page": 1, "page_size": 1})
            ).status_code
            if self.report.add(f"auth form {form.value} accepted", f"HTTP {status}", status == 200):
                accepted.append(form)
        configured = AuthForm(self.settings.lapor_auth_form)
        if not accepted:
            self.report.advice.append("no auth form is accepted: check LAPOR_AUTH_SECRET and LAPOR_TOKEN")
            return False
        chosen = configured if configured in accepted else accepted[0]
        if chosen is not configured:
            self.report.advice.append(f"set LAPOR_AUTH_FORM={chosen.value} (the configured form is refused)")
        self.headers = auth_headers(chosen, secret, token, header_name=self.settings.lapor_auth_header_name)
        return True

    async def check_master(self, name: str, path: str) -> None:
        """A master list answers a page of `{id, name}`."""
        response = await self._get(path, {"page": 1, "page_size": 100})
        rows = _rows(response)
        named = rows is not None and all("id" in r and "name" in r for r in rows)
        seen = f"HTTP {response.status_code}, {len(rows)} {name}" if rows is not None else _status(response)
        self.report.add(f"{name} list at {path}", seen, named and bool(rows))

    async def check_list_call(self) -> int | None:
        """Whether `GET /complaints` exists and which filters it honours; a listed complaint's id."""
        ours = self.settings.lapor_institution_id
        base: dict[str, str | int] = {"page": 1, "page_size": 20}
        if ours is not None:
            base["disposition_id"] = ours
        response = await self._get("/complaints", base)
        rows = _rows(response)
        self.has_list_call = rows is not None
        self.report.add("list call GET /complaints exists", _status(response), self.has_list_call)
        if rows is None:
            if self.settings.lapor_has_list_call:
                self.report.advice.append("set LAPOR_HAS_LIST_CALL=false: no list call, poll mode")
            return None
        if not self.settings.lapor_has_list_call:
            self.report.advice.append("LAPOR_HAS_LIST_CALL=true would let a quiet pull cost one call")
        if ours is not None:
            held = {r.get("disposition_id") for r in rows}
            self.report.add(
                "list filter disposition_id honoured",
                f"disposition_id seen: {sorted(map(str, held))}",
                held <= {ours},
            )
        await self._check_filter("updated_since", format_wire_datetime(datetime.now(UTC) + timedelta(days=1)))
        await self._check_filter("tags", f"probe-{uuid.uuid4().hex}")
        first = rows[0].get("id") if rows else None
        return first if isinstance(first, int) else None

    async def _check_filter(self, name: str, value: str) -> None:
        """A filter no complaint can match answers an empty page."""
        response = await self._get("/complaints", {name: value, "page": 1, "page_size": 5})
        rows = _rows(response)
        seen = f"{len(rows)} complaints for {name}={value}" if rows is not None else _status(response)
        if self.report.add(f"list filter {name} honoured", seen, rows == []) is False:
            self.report.advice.append(f"the list call ignores {name}: do not rely on it")

    async def check_detail(self, national_id: int) -> None:
        """One complaint's detail: its shape, its datetime format, the status codes and names seen."""
        response = await self._get(f"/complaints/{national_id}/complaint")
        raw = _results(response)
        if not isinstance(raw, dict) or not isinstance(raw.get("data"), dict):
            self.report.add("complaint detail shape {data, data_logs}", _status(response), False)
            return
        try:
            detail = _DETAIL.validate_json(response.content).results
        except ValidationError as exc:
            self.report.add(
                "complaint detail shape {data, data_logs}", f"unreadable: {exc.error_count()} errors", False
            )
            return
        self.report.add(
            "complaint detail shape {data, data_logs}", f"{len(detail.data_logs)} log entries", True
        )
        stamps = [raw["data"].get(k) for k in ("created_at", "updated_at")]
        self.report.add(
            "datetimes are DD-MM-YYYY HH:MM:SS (WIB)",
            ", ".join(map(str, stamps)),
            all(_is_wire_datetime(s) for s in stamps),
        )
        code, name = detail.data.status_code, detail.data.status_name
        known = national_status(code)
        self.report.add(
            "status code and name match the table",
            f"{code!r} {name!r}",
            known is not None and known.name == name,
        )
        names = sorted({e.status_new.name for e in detail.data_logs if e.status_new and e.status_new.name})
        self.report.add(
            "log entries carry status_new {name, color}",
            ", ".join(names) or "none",
            bool(names) or not detail.data_logs,
        )

    async def check_follow_ups(self, national_id: int, *, post: bool) -> None:
        """Follow-up pages: shape, paging, placeholders and status objects; with `post`, post one."""
        response = await self._get(f"/complaints/{national_id}/followups", {"page": 1})
        try:
            page = _FOLLOW_UPS.validate_json(response.content).results
        except ValidationError:
            self.report.add("follow-ups page {data, next_page_url}", _status(response), False)
            return
        templated = sum(1 for f in page.data if PLACEHOLDER.search(f.template_content or ""))
        objects = sum(1 for f in page.data if f.status_new is not None)
        seen = (
            f"{len(page.data)} on page 1, next page: {'yes' if page.has_next else 'no'}; "
            f"{templated} templated, {objects} with status objects"
        )
        self.report.add("follow-ups page {data, next_page_url}", seen, True)
        if post:
            await self._post_follow_up(national_id)

    async def check_filing(self) -> int | None:
        """File one tagged test complaint (the sandbox only), find it again by its tag; its id."""
        settings = self.settings
        missing = [
            n
            for n, v in (
                ("LAPOR_DEFAULT_CATEGORY_ID", settings.lapor_default_category_id),
                ("LAPOR_LOCATION_ID", settings.lapor_location_id),
                ("LAPOR_INSTITUTION_ID", settings.lapor_institution_id),
            )
            if v is None
        ]
        if missing:
            self.report.add(
                "a tagged test complaint is filed", "missing settings: " + ", ".join(missing), False
            )
            return None
        tag = f"PROBE-{uuid.uuid4().hex[:12]}"
        filing = ComplaintFiling(
            title="[UJI] lapor-bridge contract probe",
            content="Laporan uji coba otomatis; abaikan.",
            classification_id=1,
            disposition_id=settings.lapor_institution_id or 0,
            category_id=settings.lapor_default_category_id or 0,
            location_id=settings.lapor_location_id or 0,
            date_of_incident=date.today(),
            tags=[tag],
        )
        response = await self.http.post("/complaints/complaint", json=filing.to_wire(), headers=self.headers)
        try:
            national_id = _FILED.validate_json(response.content).results.national_id
        except (ValidationError, ValueError):
            self.report.add("a tagged test complaint is filed", _status(response), False)
            return None
        self.report.add("a tagged test complaint is filed", f"id {national_id}, tag {tag}", True)
        await self._find_by_tag(national_id, tag)
        return national_id

    async def _find_by_tag(self, national_id: int, tag: str) -> None:
        if self.has_list_call:
            rows = _rows(await self._get("/complaints", {"tags": tag, "page": 1, "page_size": 5})) or []
            found = [r.get("id") for r in rows]
        else:  # no search: read it back by id and look for the tag
            data = _results(await self._get(f"/complaints/{national_id}/complaint"))
            tags = str((data.get("data") or {}).get("tags_raw") or "") if isinstance(data, dict) else ""
            found = [national_id] if tag in tags.split(",") else []
        how = "list call tags=" if self.has_list_call else "its detail's tags_raw"
        self.report.add(
            "the test complaint is found again by its tag", f"{found} via {how}", found == [national_id]
        )

    async def _post_follow_up(self, national_id: int) -> None:
        ours = self.settings.lapor_institution_id or 0
        fields = {
            "user_id": "0",
            "institution_from_id": str(ours),
            "institution_to_id": str(ours),
            "complaint_id": str(national_id),
            "template_code": "followup",
            "info_disposition": "",
            "rating": "0",
            "is_secret": "0",
            "content": "Tindak lanjut uji coba otomatis (lapor-bridge probe).",
        }
        response = await self.http.post("/complaints/followup/add", data=fields, headers=self.headers)
        ok = 200 <= response.status_code < 300
        self.report.add(
            "a follow-up is posted (multipart)",
            _status(response),
            ok if ok or response.status_code != 422 else None,
        )


def _results(response: httpx.Response) -> object:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("results") if isinstance(body, dict) else None


def _rows(response: httpx.Response) -> list[dict[str, Any]] | None:
    """The rows of a 200 page, or None when the answer is no page at all."""
    results = _results(response) if response.status_code == 200 else None
    data = results.get("data") if isinstance(results, dict) else None
    return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else None


def _status(response: httpx.Response) -> str:
    message = ""
    try:
        body = response.json()
        message = str(body.get("message", ""))[:80] if isinstance(body, dict) else ""
    except ValueError:
        pass
    return f"HTTP {response.status_code}" + (f": {message}" if message else "")


def _is_wire_datetime(value: object) -> bool:
    try:
        parse_wire_datetime(str(value))
    except ValueError:
        return False
    return True
