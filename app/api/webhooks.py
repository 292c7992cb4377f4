"""Webhook subscriptions and their delivery log (admin only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from app.api.deps import AdminKey, IdPath, PlainId, SessionDep, SettingsDep
from app.api.webhook_schemas import (
    DeliveryOut,
    DeliveryPage,
    DisableRequest,
    ReplayOut,
    ReplayRequest,
    SecretRotated,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionOut,
    SubscriptionUpdate,
    delivery_out,
    subscription_out,
)
from app.models import DeliveryStatus
from app.webhooks import delivery_log as log
from app.webhooks import subscriptions as service
from app.webhooks.safety import DestinationPolicy

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
PATH = "/subscriptions/{subscription_id}"


def destination_policy(settings: SettingsDep) -> DestinationPolicy:
    """The destination rules URLs are checked against (tests override the resolver here)."""
    return DestinationPolicy.from_settings(settings)


PolicyDep = Annotated[DestinationPolicy, Depends(destination_policy)]


# --- subscriptions --------------------------------------------------------------------------


@router.post(
    "/subscriptions",
    response_model=SubscriptionCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create a subscription",
)
async def create(
    body: SubscriptionCreate, session: SessionDep, policy: PolicyDep, _: AdminKey
) -> SubscriptionCreated:
    """Subscribe a URL; the signing secret is in this answer and nowhere else, ever."""
    row = await service.create_subscription(
        session,
        policy,
        url=str(body.url),
        event_types=[t.value for t in body.event_types] if body.event_types else None,
        description=body.description,
    )
    await session.commit()
    return SubscriptionCreated(**subscription_out(row).model_dump(), secret=row.secret)


@router.get("/subscriptions", response_model=list[SubscriptionOut], summary="List subscriptions")
async def listing(session: SessionDep, _: AdminKey) -> list[SubscriptionOut]:
    """Every subscription, disabled ones included, without secrets."""
    return [subscription_out(row) for row in await service.list_subscriptions(session)]


@router.get(PATH, response_model=SubscriptionOut, summary="Read a subscription")
async def read(subscription_id: IdPath, session: SessionDep, _: AdminKey) -> SubscriptionOut:
    """One subscription, with why it is disabled when it is."""
    return subscription_out(await service.get_subscription(session, subscription_id))


@router.patch(PATH, response_model=SubscriptionOut, summary="Change a subscription")
async def change(
    subscription_id: IdPath, body: SubscriptionUpdate, session: SessionDep, policy: PolicyDep, _: AdminKey
) -> SubscriptionOut:
    """Change the URL (checked again), the event types or the description."""
    changes = body.model_dump(exclude_unset=True, mode="json")
    row = await service.update_subscription(session, policy, subscription_id, changes)
    await session.commit()
    return subscription_out(row)


@router.post(f"{PATH}/disable", response_model=SubscriptionOut, summary="Disable a subscription")
async def disable(
    subscription_id: IdPath, session: SessionDep, _: AdminKey, body: DisableRequest | None = None
) -> SubscriptionOut:
    """Stop delivering; pending deliveries wait until the subscription is enabled again."""
    row = await service.set_active(session, subscription_id, False, body.reason if body else None)
    await session.commit()
    return subscription_out(row)


@router.post(f"{PATH}/enable", response_model=SubscriptionOut, summary="Enable a subscription")
async def enable(subscription_id: IdPath, session: SessionDep, _: AdminKey) -> SubscriptionOut:
    """Deliver again, starting with the deliveries that waited."""
    row = await service.set_active(session, subscription_id, True)
    await session.commit()
    return subscription_out(row)


@router.delete(PATH, status_code=status.HTTP_204_NO_CONTENT, summary="Delete a subscription")
async def delete(subscription_id: IdPath, session: SessionDep, _: AdminKey) -> None:
    """Delete the subscription, its deliveries and their log."""
    await service.delete_subscription(session, subscription_id)
    await session.commit()


@router.post(f"{PATH}/rotate-secret", response_model=SecretRotated, summary="Rotate the signing secret")
async def rotate(
    subscription_id: IdPath, session: SessionDep, settings: SettingsDep, _: AdminKey
) -> SecretRotated:
    """A new secret, shown once; the old one keeps signing beside it for WEBHOOK_SECRET_OVERLAP_SECONDS."""
    overlap = timedelta(seconds=settings.webhook_secret_overlap_seconds)
    row, secret = await service.rotate_secret(session, subscription_id, overlap)
    await session.commit()
    return SecretRotated(id=row.id or 0, secret=secret, previous_secret_valid_until=row.previous_secret_until)


@router.post(
    f"{PATH}/ping",
    response_model=DeliveryOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a test ping",
)
async def ping(subscription_id: IdPath, session: SessionDep, _: AdminKey) -> DeliveryOut:
    """Queue a `webhook.ping` event; the worker sends it like any other (see its delivery log)."""
    delivery = await service.queue_ping(session, subscription_id)
    await session.commit()
    return delivery_out(log.LoggedDelivery(delivery, []))


# --- delivery log ---------------------------------------------------------------------------


@router.get(f"{PATH}/deliveries", response_model=DeliveryPage, summary="A subscription's delivery log")
async def deliveries(
    subscription_id: IdPath,
    session: SessionDep,
    _: AdminKey,
    delivery_status: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    before: Annotated[PlainId | None, Query(description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveryPage:
    """Deliveries newest first, each with every attempt (time, status, duration, error, answer)."""
    rows = await log.subscription_log(
        session, subscription_id, status=delivery_status, before_id=before, limit=limit
    )
    cursor = rows[-1].delivery.id if len(rows) == limit else None
    return DeliveryPage(items=[delivery_out(r) for r in rows], next_cursor=cursor)


@router.get(f"{PATH}/deliveries/{{delivery_id}}", response_model=DeliveryOut, summary="One delivery")
async def delivery(
    subscription_id: IdPath, delivery_id: IdPath, session: SessionDep, _: AdminKey
) -> DeliveryOut:
    """One delivery with every attempt."""
    return delivery_out(await log.get_delivery(session, subscription_id, delivery_id))


@router.get(
    "/events/{event_id}/deliveries", response_model=list[DeliveryOut], summary="An event's deliveries"
)
async def event_deliveries(event_id: IdPath, session: SessionDep, _: AdminKey) -> list[DeliveryOut]:
    """Every delivery of one outbox event, one per subscription, with their attempts."""
    return [delivery_out(r) for r in await log.event_log(session, event_id)]


@router.post(
    f"{PATH}/events/{{event_id}}/redeliver",
    response_model=DeliveryOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Redeliver one event",
)
async def redeliver(
    subscription_id: IdPath, event_id: IdPath, session: SessionDep, _: AdminKey
) -> DeliveryOut:
    """Send the event again from the first attempt, with the same `webhook-id`."""
    row = await log.redeliver_event(session, subscription_id, event_id)
    await session.commit()
    return delivery_out(await log.get_delivery(session, subscription_id, row.id or 0))


@router.post(f"{PATH}/replay", response_model=ReplayOut, summary="Replay what did not reach a subscription")
async def replay(subscription_id: IdPath, body: ReplayRequest, session: SessionDep, _: AdminKey) -> ReplayOut:
    """Queue every event since a time that did not reach the subscription: its failed deliveries
    again, and the events raised while it was disabled for the first time, oldest first."""
    queued = await log.replay(session, subscription_id, body.since)
    await session.commit()
    return ReplayOut(replayed=queued.failed + queued.missed, missed=queued.missed)
