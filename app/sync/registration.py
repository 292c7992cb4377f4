"""Registered national complaints: the way in for a complaint filed by a citizen on national LAPOR.

Poll mode reads only the national complaints the store already links, so one filed on the
national site and dispositioned to us is never discovered. An official who sees it there
registers its national id (`POST /api/v1/sync/complaints`); the API only records that. The next
pull, which holds the national client and its call budget, reads each waiting registration
(`GET /complaints/{id}/complaint` and its follow-ups) and, when the complaint is dispositioned to
`LAPOR_INSTITUTION_ID`, applies it exactly as a pulled complaint is applied; from then on the
poll schedule keeps it current. Otherwise the registration ends `refused` with the reason and
nothing is imported. A temporary failure upstream leaves it `requested` for the next pull; each
attempt is counted on it, the least recently tried are read first (so a few that keep failing never
starve the rest), and one that fails to apply in the database five times ends `failed`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Update, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.models import NationalRegistration, Report, SyncRun
from app.models.enums import RegistrationState
from app.sync.apply import ApplyContext, ReadComplaint, apply_complaints
from app.sync.client import LaporClient
from app.sync.errors import LaporError, NotFoundError, RejectedError, failure_text
from app.sync.wire import ComplaintDetail

log = logging.getLogger("app.sync.registration")
REGISTRATIONS_PER_RUN = 20
"""How many waiting registrations one pull reads at most (the rest wait for the next)."""
FAILURES_BEFORE_GIVING_UP = 5
"""Failed attempts to apply a registration in the database after which it ends `failed`."""


@dataclass(frozen=True)
class Waiting:
    """A registration the worker has still to act on."""

    id: int
    national_id: int
    attempts: int = 0


def _update_waiting(waiting: Waiting) -> Update:
    """An update of a registration that only touches it while it is still waiting."""
    return (
        update(NationalRegistration)
        .where(
            col(NationalRegistration.id) == waiting.id,
            col(NationalRegistration.state) == RegistrationState.requested,
        )
        .execution_options(synchronize_session=False)
    )


def upstream_failure(exc: LaporError) -> str:
    """What a national failure was, as a registration keeps it (`failure_text`)."""
    return f"national LAPOR did not answer usefully ({failure_text(exc)})"


class Refused(Exception):
    """A registered complaint that is not to be imported here; the text says why."""


def why_not_ours(detail: ComplaintDetail, institution_id: int | None) -> str | None:
    """Why a complaint may not be imported (None when it is dispositioned to us)."""
    holder = detail.data.disposition_id
    if holder is not None and holder == institution_id:
        return None
    if holder is None:
        return f"national complaint {detail.data.id} is not dispositioned to any institution yet, not ours"
    return f"dispositioned to institution {holder}, not ours ({institution_id})"


class Registrar:
    """Imports the registered complaints that are dispositioned to us; refuses the others."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        client: LaporClient,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessions = sessions
        self.client = client
        self.clock = clock

    async def run(self, run: SyncRun, context: ApplyContext, stopping: Callable[[], bool]) -> list[int]:
        """Act on the waiting registrations, least recently tried first; the national ids now linked.

        A failure upstream that may pass (a 5xx, a timeout, the breaker open, bad credentials)
        is noted on the registration and leaves it and the rest `requested` for the next pull. A
        failure applying one in the database is noted and the others go on; after
        `FAILURES_BEFORE_GIVING_UP` of them it ends `failed`.
        """
        linked: list[int] = []
        for waiting in await self._waiting():
            if stopping():
                break
            try:
                if await self._import(waiting, run, context):
                    linked.append(waiting.national_id)
            except Refused as refusal:
                await self._finish(waiting, RegistrationState.refused, error=str(refusal))
            except LaporError as exc:
                run.errors += 1
                await self._note_failure(waiting, upstream_failure(exc), may_give_up=False)
                break
            except Exception as exc:  # one registration must not stop the polls
                run.errors += 1
                await self._note_failure(
                    waiting, f"applying it failed ({type(exc).__name__})", may_give_up=True
                )
        return linked

    async def _waiting(self) -> list[Waiting]:
        """Waiting registrations, never tried first, then the least recently tried."""
        tried = col(NationalRegistration.last_attempt_at)
        async with self.sessions() as session:
            rows = await session.execute(
                select(
                    col(NationalRegistration.id),
                    col(NationalRegistration.national_id),
                    col(NationalRegistration.attempts),
                )
                .where(col(NationalRegistration.state) == RegistrationState.requested)
                .order_by(tried.is_not(None), tried, col(NationalRegistration.id))
                .limit(REGISTRATIONS_PER_RUN)
            )
            return [
                Waiting(registration_id or 0, national_id, attempts)
                for registration_id, national_id, attempts in rows
            ]

    async def _note_failure(self, waiting: Waiting, failure: str, *, may_give_up: bool) -> None:
        """Count a failed attempt on a waiting registration; give up on it when that was the last."""
        attempts = waiting.attempts + 1
        log.warning(
            "registered national complaint %s not imported now (attempt %s: %s)",
            waiting.national_id,
            attempts,
            failure,
        )
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_attempt_at": self.clock(),
            "last_failure": failure,
        }
        if may_give_up and attempts >= FAILURES_BEFORE_GIVING_UP:
            values |= {
                "state": RegistrationState.failed.value,
                "error": f"{failure} in {attempts} attempts; see the worker's log, then register it again",
                "finished_at": self.clock(),
            }
        async with self.sessions() as session:
            await session.execute(_update_waiting(waiting).values(**values))
            await session.commit()

    async def _import(self, waiting: Waiting, run: SyncRun, context: ApplyContext) -> bool:
        """Read the complaint and apply it when it is ours (True); raise `Refused` when it is not."""
        holder = await self._holder(waiting.national_id)
        if holder is not None:  # linked meanwhile (listed, or filed by us): the poll keeps it
            await self._finish(waiting, RegistrationState.applied, report_id=holder)
            return True
        if context.institution_id is None:
            raise Refused("LAPOR_INSTITUTION_ID is not set: whose complaint it is cannot be checked")
        detail = await self._read(waiting.national_id)
        run.fetched += 1
        reason = why_not_ours(detail, context.institution_id)
        if reason is not None:
            raise Refused(f"{reason}; nothing imported")
        follow_ups = [f async for f in self.client.iter_followups(waiting.national_id)]
        async with self.sessions() as session:
            outcomes = await apply_complaints(session, [ReadComplaint(detail, follow_ups)], context)
            report_id = await self._holder(waiting.national_id, session)
            await self._mark(session, waiting, RegistrationState.applied, report_id=report_id)
            await session.commit()
        run.created += sum(1 for o in outcomes if o.created)
        run.updated += sum(1 for o in outcomes if not o.created)
        run.follow_ups += sum(o.follow_ups for o in outcomes)
        run.conflicts += sum(o.conflicts for o in outcomes)
        log.info("registered national complaint %s imported as report %s", waiting.national_id, report_id)
        return True

    async def _read(self, national_id: int) -> ComplaintDetail:
        """The complaint's detail; `Refused` when national LAPOR will not show it."""
        try:
            return await self.client.get_complaint(national_id)
        except NotFoundError:
            raise Refused(f"no such complaint: national LAPOR does not know {national_id}") from None
        except RejectedError as exc:
            raise Refused(
                f"national LAPOR refused to show complaint {national_id} (HTTP {exc.status}); nothing imported"
            ) from None

    async def _holder(self, national_id: int, session: AsyncSession | None = None) -> int | None:
        """The local report linked to a national complaint, if any."""
        query = select(col(Report.id)).where(col(Report.national_id) == national_id)
        if session is not None:
            return (await session.execute(query)).scalar_one_or_none()
        async with self.sessions() as own:
            return (await own.execute(query)).scalar_one_or_none()

    async def _finish(
        self,
        waiting: Waiting,
        state: RegistrationState,
        *,
        error: str | None = None,
        report_id: int | None = None,
    ) -> None:
        async with self.sessions() as session:
            await self._mark(session, waiting, state, error=error, report_id=report_id)
            await session.commit()
        if state == RegistrationState.refused:
            log.info("registered national complaint %s refused: %s", waiting.national_id, error)

    async def _mark(
        self,
        session: AsyncSession,
        waiting: Waiting,
        state: RegistrationState,
        *,
        error: str | None = None,
        report_id: int | None = None,
    ) -> None:
        """How a registration ended (the caller commits); only a waiting one changes."""
        now = self.clock()
        await session.execute(
            _update_waiting(waiting).values(
                state=state.value,
                error=error,
                report_id=report_id,
                finished_at=now,
                attempts=waiting.attempts + 1,
                last_attempt_at=now,
            )
        )


PULL_ACTOR = "system:pull"
"""Who registered a complaint the list named but that could not be read (`remember_unread`)."""


async def remember_unread(
    sessions: async_sessionmaker[AsyncSession], national_id: int, failure: str, now: datetime
) -> bool:
    """Register a complaint the list call named but whose detail could not be read, so the next
    pulls try it again (and show it, with its attempts, in `GET /api/v1/sync/complaints`) instead
    of passing it by for good; whether it was registered. A complaint the store links already is
    read again by the pulls that follow it; one already waiting is not registered twice."""
    async with sessions() as session:
        linked = await session.execute(select(col(Report.id)).where(col(Report.national_id) == national_id))
        waiting = await session.execute(
            select(col(NationalRegistration.id)).where(
                col(NationalRegistration.national_id) == national_id,
                col(NationalRegistration.state) == RegistrationState.requested,
            )
        )
        if linked.first() is not None or waiting.first() is not None:
            return False
        session.add(
            NationalRegistration(
                national_id=national_id,
                requested_by=PULL_ACTOR,
                requested_at=now,
                attempts=1,
                last_attempt_at=now,
                last_failure=failure,
            )
        )
        try:
            await session.commit()
        except IntegrityError:  # registered meanwhile
            return False
    log.warning(
        "listed national complaint %s not read (%s); registered to be read again", national_id, failure
    )
    return True
