"""The pull's pipeline: complaints read from national a few at once, applied in their order.

The complaints read by the time one is applied share its transaction (which never waits on
national); the high-water mark only ever moves past complaints applied and committed.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Row, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models import Report, SyncRun
from app.sync.apply import ApplyContext, ApplyOutcome, ReadComplaint, apply_complaints
from app.sync.growth import PlannerStatistics
from app.sync.wire import NationalComplaint

Sessions = Callable[[], AsyncSession]
ReadOne = Callable[[int], Awaitable[ReadComplaint | None]]
StoreCursor = Callable[[AsyncSession, datetime | None], Awaitable[None]]
_SAVE_EVERY = 50  # complaints between two saves of the high-water mark
_PENDING_PER_READ = 4  # complaints read or being read, not applied yet, per read at once


@dataclass
class _Pending:
    """A complaint added to a pipeline and not applied yet."""

    national_id: int
    updated_at: datetime | None
    read: asyncio.Task[ReadComplaint | None] | None
    """None: a newer version is applied already, nothing to read."""
    new: bool
    """No local report was this complaint's when its page was checked."""


@dataclass(frozen=True)
class Listing:
    """What the store holds of a page of listed complaints."""

    newer: frozenset[int]
    """A newer version is applied already (a page read late): nothing to read."""
    new: frozenset[int]
    """No local report is theirs, by national id or by tag, nor is one on its way."""

    @classmethod
    def of(
        cls,
        listed: list[NationalComplaint],
        rows: Sequence[Row[int | None, datetime | None, str | None, str | None]],
        *,
        in_flight: set[int],
    ) -> Listing:
        """Sort the listed complaints by the rows found for their ids and tags.

        A listed complaint whose time and status equal what is applied is not read again (a
        follow-up added in the same whole second as the change applied waits for the sweep).
        """
        stored = {n: (updated, code) for n, updated, _, code in rows if n is not None}
        numbers = {number for _, _, number, _ in rows if number is not None}
        newer = {c.id for c in listed if _applied_already(c, stored.get(c.id))}
        new = {
            c.id
            for c in listed
            if c.id not in stored and c.id not in in_flight and not numbers.intersection(c.tags)
        }
        return cls(frozenset(newer), frozenset(new))


def _applied_already(listed: NationalComplaint, stored: tuple[datetime | None, str | None] | None) -> bool:
    """Whether what is applied is newer than the listed complaint, or the same time and status."""
    at, code = stored if stored is not None else (None, None)
    if at is None or listed.updated_at is None:
        return False
    same_status = code == (None if listed.status_code is None else str(listed.status_code)[:16])
    return at > listed.updated_at or (at == listed.updated_at and same_status)


class Pipeline:
    """Complaints read ahead from national, applied in the order they were added.

    The complaints already read when one is applied go into its transaction too; a transaction
    never waits on national for more.
    """

    def __init__(
        self,
        run: SyncRun,
        sessions: Sessions,
        context: ApplyContext,
        *,
        read: ReadOne,
        reads_at_once: int,
        store_cursor: StoreCursor | None = None,
        progress: Callable[[int], None] | None = None,
        statistics: PlannerStatistics | None = None,
    ) -> None:
        self.run = run
        self.sessions = sessions
        self.context = context
        self.read_one = read
        self.store_cursor = store_cursor
        """Saves the high-water mark every `_SAVE_EVERY` complaints (a pull's pipeline only)."""
        self.progress = progress
        self.statistics = statistics
        self.pending: deque[_Pending] = deque()
        self.high_water: datetime | None = None
        """The newest `updated_at` of the complaints applied and committed."""
        self.reading = asyncio.Semaphore(reads_at_once)
        self.most_pending = reads_at_once * _PENDING_PER_READ

    async def check(self, listed: list[NationalComplaint]) -> Listing:
        """What the store holds of a page of listed complaints, in one query."""
        ids = [c.id for c in listed]
        tags = sorted({tag for c in listed for tag in c.tags})
        by_id = col(Report.national_id).in_(ids)
        query = select(
            col(Report.national_id),
            col(Report.national_updated_at),
            col(Report.tracking_number),
            col(Report.national_status_code),
        )
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    query.where(or_(by_id, col(Report.tracking_number).in_(tags)) if tags else by_id)
                )
            ).all()
        return Listing.of(listed, rows, in_flight={p.national_id for p in self.pending})

    async def add(
        self, national_id: int, updated_at: datetime | None, *, read: bool = True, new: bool = False
    ) -> None:
        """Start reading a complaint; apply the oldest (and all read after it) while too many are pending.

        `new`: no local report was this complaint's when the caller looked (it is not looked up again).
        """
        while any(p.national_id == national_id for p in self.pending):
            await self._apply_ready()  # listed again: read it only after the earlier one is applied
            new = False
        task = asyncio.create_task(self._read(national_id)) if read else None
        self.pending.append(_Pending(national_id, updated_at, task, new))
        while len(self.pending) > self.most_pending:
            await self._apply_ready()

    async def _read(self, national_id: int) -> ReadComplaint | None:
        async with self.reading:
            return await self.read_one(national_id)

    async def finish(self) -> None:
        """Apply everything pending."""
        while self.pending:
            await self._apply_ready()

    async def apply_read(self) -> None:
        """Apply the complaints read so far, in order, without waiting for any."""
        if self.pending and _is_ready(self.pending[0]):
            await self._apply_ready()

    async def abandon(self) -> list[int]:
        """Stop the reads not applied yet; the ids of their complaints, in order."""
        tasks = [p.read for p in self.pending if p.read is not None]
        ids = [p.national_id for p in self.pending]
        self.pending.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return ids

    async def _apply_ready(self) -> None:
        """Apply the oldest pending complaint, and those after it already read, in one transaction.

        A read that failed ends the batch: what came before it is applied, then its error raised.
        """
        batch, taken, high_water, error = await self._take_ready()
        tally = _Tally(complaints=taken)
        fetched = self.run.fetched
        save = self.store_cursor is not None and (fetched + taken) // _SAVE_EVERY > fetched // _SAVE_EVERY
        if batch or save:
            async with self.sessions() as session:
                for outcome in await apply_complaints(session, batch, self.context):
                    tally.add(outcome)
                if save and self.store_cursor is not None:
                    await self.store_cursor(session, high_water)
                await session.commit()
        self.high_water = high_water
        tally.count_into(self.run)
        if self.statistics is not None and self.statistics.due(self.run.created):
            async with self.sessions() as session:
                await self.statistics.after(session, self.run.created)
        if self.progress:
            self.progress(taken)
        if error is not None:
            raise error

    async def _take_ready(self) -> tuple[list[ReadComplaint], int, datetime | None, Exception | None]:
        """The oldest pending complaint (waiting for its read) and those after it already read."""
        batch: list[ReadComplaint] = []
        taken, high_water = 0, self.high_water
        while self.pending and (taken == 0 or _is_ready(self.pending[0])):
            pending = self.pending.popleft()
            if pending.read is not None:
                try:
                    read = await pending.read
                except Exception as exc:  # raised once what came before it is applied
                    return batch, taken, high_water, exc
                if read is None:
                    self.run.errors += 1
                else:
                    batch.append(replace(read, new=pending.new))
            taken += 1
            if pending.updated_at and (high_water is None or pending.updated_at > high_water):
                high_water = pending.updated_at
        return batch, taken, high_water, None


def _is_ready(pending: _Pending) -> bool:
    return pending.read is None or pending.read.done()


@dataclass
class _Tally:
    """What one transaction of a pipeline applied, counted into the run once it is committed."""

    complaints: int = 0
    created: int = 0
    updated: int = 0
    follow_ups: int = 0
    conflicts: int = 0

    def add(self, outcome: ApplyOutcome) -> None:
        """Count one complaint's outcome."""
        self.created += int(outcome.created)
        self.updated += int(not outcome.created and (outcome.moves > 0 or outcome.follow_ups > 0))
        self.follow_ups += outcome.follow_ups
        self.conflicts += outcome.conflicts

    def count_into(self, run: SyncRun) -> None:
        """Add these counts to the run's."""
        run.fetched += self.complaints
        run.created += self.created
        run.updated += self.updated
        run.follow_ups += self.follow_ups
        run.conflicts += self.conflicts
