"""`lapor-bridge national probe`: check each assumption of the contract against the configured gateway.

The read-only checks are here; `--write` adds those of `app.sync.probe_write`. See
docs/national-api.md, "The contract probe".
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import TypeAdapter, ValidationError

from app.core.config import Settings
from app.sync.auth import AuthForm, auth_headers
from app.sync.probe_report import (
    ProbeReport,
    ProbeSession,
    is_wire_datetime,
    page_rows,
    results_of,
    summary,
)
from app.sync.probe_write import ProductionGatewayError, WriteChecks, write_refusal
from app.sync.status_map import national_status
from app.sync.wire import (
    PLACEHOLDER,
    ComplaintDetail,
    Envelope,
    FollowUpPage,
    format_wire_datetime,
)

_DETAIL = TypeAdapter(Envelope[ComplaintDetail])
_FOLLOW_UPS = TypeAdapter(Envelope[FollowUpPage])


class Probe(ProbeSession):
    """Runs the checks over one HTTP client, with the auth form found to work; `--write` waits at
    most `wait_seconds` for the sandbox to disposition its test complaint to us."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        settings: Settings,
        *,
        wait_seconds: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(http, settings)
        self.writes = WriteChecks(self, wait_seconds=wait_seconds, sleep=sleep, clock=clock)

    async def run(self, *, write: bool, complaint_id: int | None) -> ProbeReport:
        """Every read-only check; with `write` (a sandbox only), the write sequence too."""
        refusal = write_refusal(self.settings) if write else None
        if refusal is not None:
            raise ProductionGatewayError(refusal)
        if not await self.check_auth():
            return self.report
        await self.check_master("institutions", "/masters/institutions/external")
        await self.check_master("categories", "/masters/categories")
        listed = await self.check_list_call()
        filed = await self.writes.file() if write else None
        target = filed or (complaint_id if complaint_id is not None else listed)
        held = filed is not None and await self.writes.wait_until_held(filed)
        if target is None:
            self.report.add(
                "one complaint's detail and log", "no complaint to read (give --complaint-id)", None
            )
        else:
            await self.check_detail(target)
            await self.check_follow_ups(target)
        if filed is not None and held:
            await self.writes.post_follow_up(filed)
        elif filed is not None:
            self.writes.not_posted(filed)
        return self.report

    async def check_auth(self) -> bool:
        """Which auth header forms are accepted; the configured one kept if it works."""
        secret, token = self.settings.lapor_auth_secret, self.settings.lapor_token
        accepted: list[AuthForm] = []
        for form in AuthForm:
            self.headers = auth_headers(form, secret, token, header_name=self.settings.lapor_auth_header_name)
            status = (
                await self.get("/masters/institutions/external", {"page": 1, "page_size": 1})
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
        response = await self.get(path, {"page": 1, "page_size": 100})
        rows = page_rows(response)
        named = rows is not None and all("id" in r and "name" in r for r in rows)
        seen = f"HTTP {response.status_code}, {len(rows)} {name}" if rows is not None else summary(response)
        self.report.add(f"{name} list at {path}", seen, named and bool(rows))

    async def check_list_call(self) -> int | None:
        """Whether `GET /complaints` exists and which filters it honours; a listed complaint's id.

        A filter counts as honoured only when the call without it lists something the filter
        leaves out: an empty list tells nothing, and nothing told is no reason for list mode.
        """
        ours = self.settings.lapor_institution_id
        response = await self.get("/complaints", {"page": 1, "page_size": 20})
        everything = page_rows(response)
        self.has_list_call = everything is not None
        self.report.add("list call GET /complaints exists", summary(response), self.has_list_call)
        if everything is None:
            self._advise_mode(list_mode=False, why="no list call, poll mode")
            return None
        listed = bool(everything)
        held = everything
        told: list[bool | None] = []
        if ours is not None:
            ok, held = await self._check_disposition(ours, everything)
            told.append(ok)
        tomorrow = format_wire_datetime(datetime.now(UTC) + timedelta(days=1))
        told.append(await self._check_filter("updated_since", tomorrow, listed))
        told.append(await self._check_filter("tags", f"probe-{uuid.uuid4().hex}", listed))
        self._advise_from(told)
        first = held[0].get("id") if held else None
        return first if isinstance(first, int) else None

    def _advise_from(self, told: list[bool | None]) -> None:
        """List mode only when every filter it needs was seen honoured."""
        if all(t is True for t in told):
            why = "the list call honours its filters, a quiet pull costs one call"
            self._advise_mode(list_mode=True, why=why)
        elif False in told:
            self._advise_mode(
                list_mode=False, why="the list call ignores a filter list mode needs, poll mode"
            )
        else:
            why = "the list call listed nothing to test its filters against, poll mode until it does"
            self._advise_mode(list_mode=False, why=why)

    async def _check_disposition(
        self, ours: int, everything: list[dict[str, Any]]
    ) -> tuple[bool | None, list[dict[str, Any]]]:
        """`disposition_id` must list only ours; it is seen honoured when the unfiltered list holds
        another institution's complaint that the filtered one leaves out. Also the rows it lists."""
        response = await self.get("/complaints", {"disposition_id": ours, "page": 1, "page_size": 20})
        rows = page_rows(response)
        if rows is None:
            return self.report.add("list filter disposition_id honoured", summary(response), False), []
        held = {r.get("disposition_id") for r in rows}
        others = {r.get("disposition_id") for r in everything} - {ours}
        ok: bool | None = held <= {ours} if held - {ours} or others else None
        seen = f"disposition_id seen: {sorted(map(str, held))}"
        if ok is None:
            seen += " (no other institution's complaint listed: cannot tell)"
        return self.report.add("list filter disposition_id honoured", seen, ok), rows

    def _advise_mode(self, *, list_mode: bool, why: str) -> None:
        """Advise the `LAPOR_HAS_LIST_CALL` the gateway calls for, unless it is the one configured
        (false is the default: poll mode, docs/national-api.md)."""
        if self.settings.lapor_has_list_call is not list_mode:
            self.report.advice.append(f"set LAPOR_HAS_LIST_CALL={str(list_mode).lower()}: {why}")

    async def _check_filter(self, name: str, value: str, listed: bool) -> bool | None:
        """A filter no complaint can match answers an empty page; whether it did (None when the
        unfiltered list is empty too, which tells nothing)."""
        response = await self.get("/complaints", {name: value, "page": 1, "page_size": 5})
        rows = page_rows(response)
        seen = f"{len(rows)} complaints for {name}={value}" if rows is not None else summary(response)
        ok = rows == [] if rows or listed else None
        if ok is None:
            seen += " (the list call lists nothing: cannot tell)"
        if self.report.add(f"list filter {name} honoured", seen, ok) is False:
            self.report.advice.append(f"the list call ignores {name}: do not rely on it")
        return ok

    async def check_detail(self, national_id: int) -> None:
        """One complaint's detail: its shape, its datetime format, the status codes and names seen."""
        response = await self.get(f"/complaints/{national_id}/complaint")
        raw = results_of(response)
        if not isinstance(raw, dict) or not isinstance(raw.get("data"), dict):
            self.report.add("complaint detail shape {data, data_logs}", summary(response), False)
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
            all(is_wire_datetime(s) for s in stamps),
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

    async def check_follow_ups(self, national_id: int) -> None:
        """Follow-up pages: shape, paging, placeholders and status objects."""
        response = await self.get(f"/complaints/{national_id}/followups", {"page": 1})
        try:
            page = _FOLLOW_UPS.validate_json(response.content).results
        except ValidationError:
            self.report.add("follow-ups page {data, next_page_url}", summary(response), False)
            return
        templated = sum(1 for f in page.data if PLACEHOLDER.search(f.template_content or ""))
        objects = sum(1 for f in page.data if f.status_new is not None)
        seen = (
            f"{len(page.data)} on page 1, next page: {'yes' if page.has_next else 'no'}; "
            f"{templated} templated, {objects} with status objects"
        )
        self.report.add("follow-ups page {data, next_page_url}", seen, True)
