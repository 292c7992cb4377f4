"""`national probe --write`: file one tagged test complaint in the sandbox, find it again by its
tag, wait until the sandbox has dispositioned it to us, post a follow-up on it and read that back.

Never against production: `LAPOR_ENVIRONMENT` must say `sandbox` (docs/national-api.md, "The
contract probe").
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date

import httpx
from pydantic import TypeAdapter, ValidationError

from app.core.config import Settings
from app.sync.probe_report import ProbeSession, page_rows, results_of, summary
from app.sync.status_map import is_held
from app.sync.wire import (
    ComplaintDetail,
    ComplaintFiling,
    Envelope,
    FiledComplaint,
    FollowUpPage,
    FollowUpPosting,
)

_DETAIL = TypeAdapter(Envelope[ComplaintDetail])
_FILED = TypeAdapter(Envelope[FiledComplaint])
_FOLLOW_UPS = TypeAdapter(Envelope[FollowUpPage])

FOLLOW_UP_TEXT = "Tindak lanjut uji coba otomatis (lapor-bridge probe)."
POLL_SECONDS = 5.0
"""How often the detail is read again while waiting for the disposition (one call each)."""


class ProductionGatewayError(Exception):
    """`--write` was asked of a gateway that is not declared a sandbox."""


def write_refusal(settings: Settings) -> str | None:
    """Why `--write` may not run against the configured gateway (None: it may)."""
    if settings.lapor_environment == "sandbox":
        return None
    return (
        f"--write files a test complaint upstream, and LAPOR_ENVIRONMENT is {settings.lapor_environment!r}: "
        "refused (nothing was sent). Set LAPOR_ENVIRONMENT=sandbox only when LAPOR_BASE_URL is "
        "the national sandbox."
    )


class WriteChecks:
    """The write sequence, over a session whose auth form is already chosen."""

    def __init__(
        self,
        session: ProbeSession,
        *,
        wait_seconds: float,
        sleep: Callable[[float], Awaitable[None]],
        clock: Callable[[], float],
    ) -> None:
        self.session = session
        self.report = session.report
        self.ours = session.settings.lapor_institution_id
        self.wait_seconds = wait_seconds
        self.sleep = sleep
        self.clock = clock

    async def file(self) -> int | None:
        """File the tagged test complaint and find it again by its tag; its national id."""
        filing = self._filing()
        if filing is None:
            return None
        post = self.session.http.post
        response = await post("/complaints/complaint", json=filing.to_wire(), headers=self.session.headers)
        try:
            national_id = _FILED.validate_json(response.content).results.national_id
        except (ValidationError, ValueError):
            self.report.add("a tagged test complaint is filed", summary(response), False)
            return None
        tag = filing.tags[0]
        self.report.add("a tagged test complaint is filed", f"id {national_id}, tag {tag}", True)
        await self._find_by_tag(national_id, tag)
        return national_id

    def _filing(self) -> ComplaintFiling | None:
        """The test complaint, or None (and a failed check) when a setting it needs is missing."""
        settings = self.session.settings
        needed = {
            "LAPOR_DEFAULT_CATEGORY_ID": settings.lapor_default_category_id,
            "LAPOR_LOCATION_ID": settings.lapor_location_id,
            "LAPOR_INSTITUTION_ID": self.ours,
        }
        missing = [name for name, value in needed.items() if value is None]
        if missing:
            self.report.add(
                "a tagged test complaint is filed", "missing settings: " + ", ".join(missing), False
            )
            return None
        return ComplaintFiling(
            title="[UJI] lapor-bridge contract probe",
            content="Laporan uji coba otomatis; abaikan.",
            classification_id=1,
            disposition_id=self.ours or 0,
            category_id=settings.lapor_default_category_id or 0,
            location_id=settings.lapor_location_id or 0,
            date_of_incident=date.today(),
            tags=[f"PROBE-{uuid.uuid4().hex[:12]}"],
        )

    async def _find_by_tag(self, national_id: int, tag: str) -> None:
        if self.session.has_list_call:
            page = await self.session.get("/complaints", {"tags": tag, "page": 1, "page_size": 5})
            found = [r.get("id") for r in page_rows(page) or []]
        else:  # no search: read it back by id and look for the tag
            data = results_of(await self.session.get(f"/complaints/{national_id}/complaint"))
            tags = str((data.get("data") or {}).get("tags_raw") or "") if isinstance(data, dict) else ""
            found = [national_id] if tag in tags.split(",") else []
        how = "list call tags=" if self.session.has_list_call else "its detail's tags_raw"
        self.report.add(
            "the test complaint is found again by its tag", f"{found} via {how}", found == [national_id]
        )

    async def wait_until_held(self, national_id: int) -> bool:
        """Read the detail every few seconds, within `wait_seconds`, until national LAPOR has
        dispositioned the test complaint to us (the follow-up is refused before that)."""
        assumption = f"the test complaint is dispositioned to institution {self.ours}"
        started = self.clock()
        while True:
            held, seen = await self._holder(national_id)
            waited = self.clock() - started
            if held:
                self.report.add(assumption, f"{seen} after {waited:.0f} s", True)
                return True
            left = self.wait_seconds - waited
            if left <= 0:
                self.report.add(assumption, f"not within {self.wait_seconds:.0f} s; last seen: {seen}", False)
                self.report.advice.append(
                    f"the sandbox did not disposition test complaint {national_id} to institution "
                    f"{self.ours} in time: run again with a longer --wait, or ask the sandbox's admin "
                    "to disposition it (the follow-up was not posted)"
                )
                return False
            await self.sleep(min(POLL_SECONDS, left))

    async def _holder(self, national_id: int) -> tuple[bool, str]:
        """Whether we hold the complaint now, and what its detail showed."""
        try:
            response = await self.session.get(f"/complaints/{national_id}/complaint")
            data = _DETAIL.validate_json(response.content).results.data
        except httpx.HTTPError as exc:
            return False, f"no answer ({type(exc).__name__})"
        except ValidationError:
            return False, summary(response)
        holder = "nobody" if data.disposition_id is None else f"institution {data.disposition_id}"
        seen = f"{data.status_name or data.status_code}, held by {holder}"
        return is_held(data.status_code) and data.disposition_id == self.ours, seen

    async def post_follow_up(self, national_id: int) -> None:
        """Post a follow-up on the test complaint as the sync posts one (multipart); a refusal is
        reported with its reason."""
        posting = FollowUpPosting(
            user_id=self.ours,
            institution_from_id=self.ours,
            institution_to_id=self.ours,
            complaint_id=national_id,
            content=FOLLOW_UP_TEXT,
        )
        try:
            response = await self.session.http.post(
                "/complaints/followup/add", files=posting.to_wire(), headers=self.session.headers
            )
        except httpx.HTTPError as exc:
            self.report.add("a follow-up is posted (multipart)", f"no answer ({type(exc).__name__})", False)
            return
        if not 200 <= response.status_code < 300:
            self.report.add("a follow-up is posted (multipart)", f"refused: {summary(response)}", False)
            self.report.advice.append(f"the gateway refused the test follow-up: {summary(response)}")
            return
        self.report.add("a follow-up is posted (multipart)", summary(response), True)
        await self._read_back(national_id)

    def not_posted(self, national_id: int) -> None:
        """Report the follow-up as not tried: the complaint never came to us."""
        self.report.add(
            "a follow-up is posted (multipart)",
            f"not posted: complaint {national_id} is not dispositioned to us",
            None,
        )

    async def _read_back(self, national_id: int) -> None:
        response = await self.session.get(f"/complaints/{national_id}/followups", {"page": 1})
        try:
            page = _FOLLOW_UPS.validate_json(response.content).results
        except ValidationError:
            self.report.add("the posted follow-up is read back", summary(response), False)
            return
        ours = [f.id for f in page.data if FOLLOW_UP_TEXT in f.text()]
        self.report.add("the posted follow-up is read back", f"follow-up ids {ours}", bool(ours))
