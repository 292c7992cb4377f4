"""Fan-out: each outbox event becomes one delivery per active subscription that wants it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Boolean, FromClause, Insert, String, insert, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from app.reports.events import EventDraft


def encode_event_types(event_types: list[str] | None) -> str | None:
    """How a subscription's event types are stored (None: every type)."""
    return orjson.dumps(sorted(set(event_types))).decode() if event_types else None


def decode_event_types(stored: str | None) -> list[str] | None:
    """A subscription's event types as a list (None: every type)."""
    if not stored:
        return None
    types: list[str] = orjson.loads(stored)
    return types


@dataclass(frozen=True)
class WebhookSink:
    """The outbox sink of webhooks; it has no state, so registering it twice keeps one."""

    def rows_for(self, events: Sequence[EventDraft], written: FromClause) -> Insert | None:
        """A delivery per event and active subscription that wants the event's type (a
        subscription with no stored types wants every type), each with its own message id."""
        if not events:
            return None
        subscriptions = WebhookSubscription.__table__  # type: ignore[attr-defined]
        deliveries = WebhookDelivery.__table__  # type: ignore[attr-defined]
        stored = subscriptions.c.event_types
        wanted = or_(stored.is_(None), stored == "", JsonListHas(stored, written.c.type))
        rows = (
            select(
                subscriptions.c.id,
                written.c.id,
                written.c.type,
                written.c.report_id,
                NewMsgId(),
                literal(DeliveryStatus.pending.value),
                literal(0),
                written.c.created_at,
                written.c.created_at,
            )
            .select_from(written.join(subscriptions, subscriptions.c.active.is_(True)))
            .where(wanted)
        )
        columns = (
            "subscription_id",
            "event_id",
            "event_type",
            "report_id",
            "msg_id",
            "status",
            "attempts",
            "next_attempt_at",
            "created_at",
        )
        return insert(deliveries).from_select([deliveries.c[name] for name in columns], rows)


class JsonListHas(FunctionElement[bool]):
    """`value` is an element of the JSON array stored as text in `array` (each database's own
    JSON functions)."""

    type = Boolean()
    inherit_cache = True
    name = "json_list_has"


@compiles(JsonListHas, "postgresql")
def _json_list_has_pg(element: JsonListHas, compiler: Any, **kw: Any) -> str:
    array, value = (compiler.process(c, **kw) for c in element.clauses)
    return f"jsonb_exists(CAST({array} AS jsonb), {value})"


@compiles(JsonListHas, "sqlite")
def _json_list_has_sqlite(element: JsonListHas, compiler: Any, **kw: Any) -> str:
    array, value = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXISTS (SELECT 1 FROM json_each({array}) WHERE json_each.value = {value})"  # noqa: S608 - compiled clauses


class NewMsgId(FunctionElement[str]):
    """A fresh `webhook-id` made by the database, in the format of `signing.new_msg_id`
    (`msg_` and 24 random hex digits)."""

    type = String()
    inherit_cache = True
    name = "new_msg_id"


@compiles(NewMsgId, "postgresql")
def _new_msg_id_pg(element: NewMsgId, compiler: Any, **kw: Any) -> str:
    return "'msg_' || left(replace(CAST(gen_random_uuid() AS text), '-', ''), 24)"


@compiles(NewMsgId, "sqlite")
def _new_msg_id_sqlite(element: NewMsgId, compiler: Any, **kw: Any) -> str:
    return "'msg_' || lower(hex(randomblob(12)))"
