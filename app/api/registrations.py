"""Registering national complaints seen on the LAPOR site, for the worker's next pull to import."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app.api.deps import SessionDep
from app.api.sync import SyncKey, refuse_if_linked
from app.core.errors import Conflict
from app.models import NationalRegistration
from app.models.enums import RegistrationState

router = APIRouter(prefix="/api/v1/sync", tags=["sync"])


class RegisterRequest(BaseModel):
    """A national complaint an official saw dispositioned to the regency on the LAPOR site."""

    model_config = ConfigDict(extra="forbid")

    national_id: StrictInt = Field(ge=1, le=2**31 - 1, description="the complaint's id on national LAPOR")


class RegistrationOut(BaseModel):
    """A registration and how it ended."""

    id: int
    national_id: int
    state: str = Field(
        description="`requested` (the next pull reads it), `applied` (imported or already linked), `refused`"
        " (not ours, or unknown upstream) or `failed` (could not be applied after several attempts)"
    )
    requested_by: str
    requested_at: datetime
    error: str | None = Field(description="why a `refused` or `failed` registration was not imported")
    attempts: int = Field(description="how many pulls have tried it")
    last_attempt_at: datetime | None
    last_failure: str | None = Field(
        description="what went wrong the last time it was tried and left waiting (e.g. national LAPOR's 503)"
    )
    report_id: int | None = Field(description="the local report, once applied")
    finished_at: datetime | None


def _out(registration: NationalRegistration) -> RegistrationOut:
    return RegistrationOut.model_validate(registration, from_attributes=True)


@router.post(
    "/complaints",
    response_model=RegistrationOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Register a national complaint for import",
)
async def register_complaint(
    body: RegisterRequest, session: SessionDep, principal: SyncKey
) -> RegistrationOut:
    """Record a national complaint seen on the LAPOR site (in poll mode the service cannot discover
    one filed there). The worker's next pull reads it and imports it when it is dispositioned to
    `LAPOR_INSTITUTION_ID`; otherwise the registration ends `refused` with the reason."""
    await _refuse_if_known(session, body.national_id)
    registration = NationalRegistration(national_id=body.national_id, requested_by=principal.actor)
    session.add(registration)
    try:
        await session.commit()
    except IntegrityError:  # registered by someone else meanwhile
        await session.rollback()
        raise Conflict(f"national complaint {body.national_id} is already registered") from None
    return _out(registration)


@router.get("/complaints", response_model=list[RegistrationOut], summary="Registered national complaints")
async def list_registrations(
    session: SessionDep,
    _: SyncKey,
    state: Annotated[RegistrationState | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[RegistrationOut]:
    """Registrations (in one state, or all), newest first."""
    query = select(NationalRegistration).order_by(col(NationalRegistration.id).desc()).limit(limit)
    if state is not None:
        query = query.where(col(NationalRegistration.state) == state)
    return [_out(r) for r in (await session.execute(query)).scalars()]


async def _refuse_if_known(session: SessionDep, national_id: int) -> None:
    """A complaint already linked to a report, or registered and still waiting, is not registered again."""
    await refuse_if_linked(session, national_id)
    waiting = (
        await session.execute(
            select(col(NationalRegistration.id)).where(
                col(NationalRegistration.national_id) == national_id,
                col(NationalRegistration.state) == RegistrationState.requested,
            )
        )
    ).scalar_one_or_none()
    if waiting is not None:
        raise Conflict(
            f"national complaint {national_id} is already registered (registration {waiting}) and waiting"
            " for the worker",
            extra={"registration_id": waiting},
        )
