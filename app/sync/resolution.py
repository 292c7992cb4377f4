"""Resolving a filing that may or may not be upstream, when the gateway cannot look it up.

In poll mode (no complaint search) a filing whose answer was lost goes dead with
`FilingUncertainError`: filing again could make two complaints, and retrying only asks the same
question again. An official checks the national site and says what they found, through
`POST /api/v1/sync/jobs/{id}/resolve`. The API records the decision on the job and queues it; the
worker, which holds the national client and its call budget, acts on it:

- `national_id`: the complaint is read back (`GET /complaints/{id}/complaint`) and linked only if
  its tags carry the report's tracking number and no other report holds it; otherwise the job is
  dead again with `ResolutionRefused` (still resolvable) and nothing is linked.
- `not_filed`: the next attempt files from scratch without looking first, once: the decision is
  marked applied before the call, so any later attempt looks first again as usual.

Every decision stays on the job (`resolutions`, a JSON list), with who, when and how it ended.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Literal, NoReturn

import orjson
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.errors import LoggableError
from app.models import PushJob, Report
from app.models.enums import JobKind, JobStatus
from app.sync.client import LaporClient
from app.sync.errors import FilingUncertainError, NotFoundError

log = logging.getLogger("app.sync.push")

Decision = Literal["national_id", "not_filed"]
State = Literal["requested", "applied", "refused"]


class ResolutionRefused(LoggableError):
    """An official's resolution that does not hold upstream: nothing was linked or filed."""


UNCERTAIN_ERRORS = (FilingUncertainError.__name__, ResolutionRefused.__name__)
"""The `last_error`s of a dead filing whose fate upstream is still unknown."""


@dataclass
class Resolution:
    """One official's decision about an uncertain filing, and how it ended."""

    decision: Decision
    by: str
    at: str
    national_id: int | None = None
    state: State = "requested"
    error: str | None = None


def resolutions_of(job: PushJob) -> list[Resolution]:
    """Every decision recorded on a job, oldest first."""
    return [Resolution(**entry) for entry in orjson.loads(job.resolutions or "[]")]


def encode(resolutions: list[Resolution]) -> str:
    """The `resolutions` column's text."""
    return orjson.dumps([asdict(r) for r in resolutions]).decode()


def pending_resolution(job: PushJob) -> Resolution | None:
    """The decision the worker has still to act on, if any."""
    recorded = resolutions_of(job)
    if recorded and recorded[-1].state == "requested":
        return recorded[-1]
    return None


def why_not_resolvable(job: PushJob, report: Report | None) -> str | None:
    """Why an official may not resolve this job (None when they may): it must be a dead filing
    of an unlinked report whose last attempt ended uncertain."""
    if job.status != JobStatus.dead:
        return f"push job {job.id} is {job.status}, not dead"
    if job.kind != JobKind.file:
        return f"push job {job.id} is a {job.kind} job, not a filing"
    if report is None or report.national_id is not None:
        return f"the report of push job {job.id} is already linked upstream"
    if (job.last_error or "").split(":")[0] not in UNCERTAIN_ERRORS:
        return f"push job {job.id} did not end uncertain; retry it instead"
    return None


async def _record(session: AsyncSession, job: PushJob, state: State, error: str | None = None) -> None:
    """Write how the job's pending decision ended (the caller commits)."""
    recorded = resolutions_of(job)
    await _write(session, job.id or 0, recorded, state, error)
    job.resolutions = encode(recorded)


async def _write(
    session: AsyncSession, job_id: int, recorded: list[Resolution], state: State, error: str | None
) -> None:
    """Mark the last of the job's decisions `state` (with `error`) and store them all."""
    recorded[-1].state, recorded[-1].error = state, error
    await session.execute(
        update(PushJob)
        .where(col(PushJob.id) == job_id)
        .values(resolutions=encode(recorded))
        .execution_options(synchronize_session=False)
    )


async def start_filing_afresh(session: AsyncSession, job: PushJob) -> None:
    """Spend a `not_filed` decision: this attempt files without looking first, no later one."""
    await _record(session, job, "applied")


async def link_found_filing(
    session: AsyncSession, client: LaporClient, job: PushJob, report: Report, national_id: int
) -> None:
    """Link the report to the complaint an official found, once upstream shows it is this
    report's filing; otherwise record the refusal and raise `ResolutionRefused`."""
    if report.national_id not in (None, national_id):
        await _refuse(
            session, job, f"the report is already linked to national complaint {report.national_id}"
        )
    await session.commit()  # no transaction stays open across the call upstream
    try:
        detail = await client.get_complaint(national_id)
    except NotFoundError:
        await _refuse(session, job, f"national complaint {national_id} does not exist; nothing linked")
    if (report.tracking_number or "") not in detail.data.tags:
        await _refuse(
            session,
            job,
            f"national complaint {national_id} does not carry the report's tracking number in its tags;"
            " nothing linked",
        )
    holder = (
        await session.execute(select(col(Report.id)).where(col(Report.national_id) == national_id))
    ).scalar_one_or_none()
    if holder is not None and holder != report.id:
        await _refuse(session, job, f"national complaint {national_id} is linked to report {holder}")
    await session.execute(
        update(Report)
        .where(col(Report.id) == report.id, col(Report.national_id).is_(None))
        .values(national_id=national_id, national_tracking_id=detail.data.tracking_id)
        .execution_options(synchronize_session=False)
    )
    await _record(session, job, "applied")
    await session.commit()
    log.info("push job %s: linked to national complaint %s as resolved", job.id, national_id)


async def _refuse(session: AsyncSession, job: PushJob, reason: str) -> NoReturn:
    """Record the decision refused, then end the attempt (the job goes dead, still resolvable).
    The job's decisions are read before the rollback, which expires what the session loaded."""
    job_id, recorded = job.id or 0, resolutions_of(job)
    await session.rollback()
    await _write(session, job_id, recorded, "refused", reason)
    await session.commit()
    raise ResolutionRefused(reason)
