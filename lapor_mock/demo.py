"""`--seed demo` and `--seed bulk`: the demo reports (`lapor_mock.demo_data`,
`lapor_mock.demo_complaints`) loaded into a `NationalState`, each walked along its road."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from lapor_mock.demo_complaints import COMPLAINTS
from lapor_mock.demo_data import (
    AGENCIES,
    ASPIRATIONS,
    CATEGORIES,
    DISTRICTS,
    INFORMATION_REQUESTS,
    OTHER_INSTITUTIONS,
    REGENCY_ID,
    REGENCY_NAME,
    DemoReport,
)
from lapor_mock.records import WIB, Complaint
from lapor_mock.state import NationalState

__all__ = ["AGENCIES", "DISTRICTS", "REGENCY_ID", "REGENCY_NAME", "REPORTS", "load_bulk", "load_demo"]

REPORTS: tuple[DemoReport, ...] = (*COMPLAINTS, *ASPIRATIONS, *INFORMATION_REQUESTS)
"""Every demo report, in the order `--seed demo` files them."""

_DEMO_STEP = timedelta(hours=7)
_BULK_STEP = timedelta(hours=1)


def load_demo(state: NationalState) -> list[int]:
    """Load institutions, categories and every demo report into `state`; the new ids."""
    _load_masters(state)
    now = state.clock()
    return [_file(state, report, now - timedelta(days=report.days_ago), now).id for report in REPORTS]


def load_bulk(state: NationalState, count: int, follow_ups_each: int = 0) -> list[int]:
    """`count` more complaints made from the demo texts, spread over the last 90 days.

    With `follow_ups_each` > 0, every one is instead verified, dispositioned to the regency, taken
    up and followed up that many times, an hour apart, its last change spread evenly up to now.
    """
    if follow_ups_each > 0:
        return _load_followed_up(state, count, follow_ups_each)
    _load_masters(state)
    now = state.clock()
    ids = []
    for n in range(count):
        report = REPORTS[n % len(REPORTS)]
        filed = now - timedelta(days=90) + timedelta(seconds=n * 90 * 86_400 // max(count, 1))
        ids.append(_file(state, report, filed, now, suffix=f" ({n + 1})").id)
    return ids


def _load_followed_up(state: NationalState, count: int, follow_ups_each: int) -> list[int]:
    """Bulk complaints held by the regency, each with `follow_ups_each` follow-ups."""
    _load_masters(state)
    now = state.clock()
    span = 90 * 86_400
    start = now - timedelta(seconds=span)
    road = ("verify", "dispose", "process") + ("follow_up",) * follow_ups_each
    reports = [
        replace(
            r,
            steps=road,
            follow_up=r.follow_up or f"Laporan telah ditindaklanjuti oleh {AGENCIES[r.agency]}.",
        )
        for r in REPORTS
    ]
    ids = []
    for n in range(count):
        last = start + timedelta(seconds=(n + 1) * span // count)
        filed = last - len(road) * _BULK_STEP
        ids.append(
            _file(state, reports[n % len(reports)], filed, now, suffix=f" ({n + 1})", gap=_BULK_STEP).id
        )
    return ids


def _load_masters(state: NationalState) -> None:
    state.add_institution(REGENCY_ID, REGENCY_NAME)
    for institution_id, name in OTHER_INSTITUTIONS.items():
        state.add_institution(institution_id, name)
    state.categories.update(CATEGORIES)


def _file(
    state: NationalState,
    report: DemoReport,
    filed: datetime,
    now: datetime,
    suffix: str = "",
    gap: timedelta = _DEMO_STEP,
) -> Complaint:
    """File one demo report as a citizen would, then walk it along its road, `gap` apart."""
    reporter = None
    if report.reporter:
        name, email, phone = report.reporter
        reporter = {"name": name, "email": email, "phone": phone}
    complaint = state.create_complaint(
        title=report.title + suffix,
        content=report.content,
        classification_id=report.kind,
        category_id=report.category,
        location_id=DISTRICTS[report.district],
        channel=1,
        is_anonymous=report.anonymous,
        is_secret=report.secret,
        tags=[report.district.lower().replace(" ", "-")],
        date_of_incident=(filed.astimezone(WIB) - timedelta(days=1)).date(),
        reporter=reporter,
        at=filed,
    )
    moment = filed
    for step in report.steps:
        moment = min(moment + gap, now)
        _step(state, complaint.id, report, step, moment)
    return complaint


def _step(state: NationalState, complaint_id: int, report: DemoReport, step: str, moment: datetime) -> None:
    """One move of a demo report's road, made at `moment`."""
    agency = f"{AGENCIES[report.agency]} Kabupaten Kotawaringin Barat"
    if step == "follow_up":
        state.add_follow_up(complaint_id, content=report.follow_up, institution_from_name=agency, at=moment)
    elif step.startswith("forward:"):
        target = int(step.split(":", 1)[1])
        text = f"Bukan wewenang: gangguan listrik ditangani oleh {OTHER_INSTITUTIONS[target]}"
        state.move(complaint_id, "not_authority", institution_id=target, content=text, at=moment)
    elif step == "process":
        state.move(complaint_id, "process", content=f"Laporan diteruskan ke {agency}", at=moment)
    else:
        institution = REGENCY_ID if step == "dispose" else None
        state.move(complaint_id, step, institution_id=institution, at=moment)
