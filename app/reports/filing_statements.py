"""The filing's statements as SQLAlchemy Core constructs: built once per shape and then reused,
so their compiled form and cache key are made once too. Every value is a bound parameter, named
as `filing_parameters` names it."""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson
from sqlalchemy import Insert, Select, and_, bindparam, case, func, literal, select, true

from app.models import Category, DomainEvent, IdempotencyRecord, Report, Reporter, StatusEvent
from app.models.enums import EventSource, ReportStatus
from app.reports.events import EventDraft, EventSink
from app.reports.report_rows import REPORTER_COLUMNS
from app.reports.similar import candidates_json

REPORTS = Report.__table__  # type: ignore[attr-defined]
EVENTS = DomainEvent.__table__  # type: ignore[attr-defined]
_REPORTERS = Reporter.__table__  # type: ignore[attr-defined]
_STATUS_EVENTS = StatusEvent.__table__  # type: ignore[attr-defined]
_CATEGORIES = Category.__table__  # type: ignore[attr-defined]
_RECORDS = IdempotencyRecord.__table__  # type: ignore[attr-defined]


def _param(name: str, column: Any) -> Any:
    return bindparam(name, type_=column.type)


@cache
def check_statement(postgresql: bool, with_category: bool, similar_near: bool | None = None) -> Select[Any]:
    """The read before filing: the category (`category_id`, `active`), an earlier use of the
    key (`earlier_hash`, `earlier_report`) and, on PostgreSQL when both allow filing, the new
    report's id drawn from its sequence (`drawn`), so that a refused filing uses no number.

    With `similar_near` (PostgreSQL), it also reads the reports like the new one as the store
    holds them before it is filed (`similar`, `app.reports.similar.candidates_json`, near a point
    when True): the same round trip."""
    code = _param("category_code", _CATEGORIES.c.code)
    used = and_(
        _RECORDS.c.api_key_id == _param("key_id", _RECORDS.c.api_key_id),
        _RECORDS.c.key == _param("idempotency_key", _RECORDS.c.key),
    )
    active = select(_CATEGORIES.c.active).where(_CATEGORIES.c.code == code).scalar_subquery()
    earlier_hash = select(_RECORDS.c.request_hash).where(used).scalar_subquery()
    allowed = and_(active.is_(True) if with_category else true(), earlier_hash.is_(None))
    sequence = func.nextval(func.pg_get_serial_sequence("reports", "id"))
    drawn = case((allowed, sequence), else_=None) if postgresql else literal(None)
    statement = select(
        select(_CATEGORIES.c.id).where(_CATEGORIES.c.code == code).scalar_subquery().label("category_id"),
        active.label("active"),
        earlier_hash.label("earlier_hash"),
        select(_RECORDS.c.report_id).where(used).scalar_subquery().label("earlier_report"),
        drawn.label("drawn"),
    )
    if similar_near is None:
        return statement
    return statement.add_columns(candidates_json(similar_near).label("similar"))


@cache
def row_inserts(columns: tuple[str, ...], with_reporter: bool, idempotent: bool) -> tuple[Insert, ...]:
    """The report (these columns), its reporter, its first status event and the key's record."""
    report_id = _param("report_id", REPORTS.c.id)
    now = _param("now", REPORTS.c.created_at)
    inserts = [insert_values(REPORTS, {c: _param(f"report_{c}", REPORTS.c[c]) for c in columns})]
    if with_reporter:
        identity = {c: _param(f"reporter_{c}", _REPORTERS.c[c]) for c in REPORTER_COLUMNS}
        inserts.append(insert_values(_REPORTERS, {"report_id": report_id, **identity}))
    first = {
        "report_id": report_id,
        "from_status": None,
        "to_status": ReportStatus.unverified.value,
        "action": "file",
        "actor": _param("actor", _STATUS_EVENTS.c.actor),
        "source": EventSource.local.value,
        "created_at": now,
    }
    inserts.append(insert_values(_STATUS_EVENTS, first))
    if idempotent:
        record = {
            "api_key_id": _param("key_id", _RECORDS.c.api_key_id),
            "key": _param("idempotency_key", _RECORDS.c.key),
            "request_hash": _param("request_hash", _RECORDS.c.request_hash),
            "report_id": report_id,
            "created_at": now,
        }
        inserts.append(insert_values(_RECORDS, record))
    return tuple(inserts)


def insert_values(table: Any, values: dict[str, Any]) -> Insert:
    """An insert of one row; plain values become literals bound at execution too."""
    return table.insert().values(values)  # type: ignore[no-any-return]


@cache
def event_insert() -> Insert:
    """The report's `report.created` event."""
    return insert_values(
        EVENTS,
        {
            "type": _param("event_type", EVENTS.c.type),
            "report_id": _param("report_id", EVENTS.c.report_id),
            "payload": _param("event_payload", EVENTS.c.payload),
            "created_at": _param("now", EVENTS.c.created_at),
        },
    )


def composed_statement(
    inserts: tuple[Insert, ...], sinks: tuple[EventSink, ...], event: EventDraft
) -> Select[Any]:
    """Every insert, the event and each sink's rows as one statement of data-modifying CTEs.

    Cached per shape: what a sink writes for a new local report's `report.created` depends
    only on the event's type and origin, which every filing shares (its values are bound)."""
    told = orjson.loads(event.payload)
    template = orjson.dumps({k: told[k] for k in ("origin", "status_after") if k in told}).decode()
    return _composed(inserts, sinks, event.type, template)


@cache
def _composed(
    inserts: tuple[Insert, ...], sinks: tuple[EventSink, ...], event_type: str, payload: str
) -> Select[Any]:
    written = (
        event_insert()
        .returning(EVENTS.c.id, EVENTS.c.type, EVENTS.c.report_id, EVENTS.c.created_at)
        .cte("event")
    )
    parts = [statement.cte(f"write_{i}") for i, statement in enumerate(inserts)]
    template = [EventDraft(event_type, 0, payload)]
    for i, sink in enumerate(sinks):
        rows = sink.rows_for(template, written)
        if rows is not None:
            parts.append(rows.cte(f"sink_{i}"))
    return select(written.c.id).add_cte(*parts)


def parameters(values: dict[str, Any], reporter: dict[str, str | None], **named: Any) -> dict[str, Any]:
    """The bound values of the statements above."""
    params = {f"report_{name}": value for name, value in values.items()}
    params.update({f"reporter_{name}": reporter.get(name) for name in REPORTER_COLUMNS})
    params.update(named)
    return params
