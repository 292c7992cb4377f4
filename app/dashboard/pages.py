"""The overview page and the simple pages, rendered from the templates; the charts are SVG drawn
in `charts` (every piece of data through `escape`)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from app.accounts.sessions import Official
from app.dashboard.charts import KIND_ORDER, monthly_volume_svg, months_between, status_funnel_svg
from app.dashboard.figures import OVERDUE_ROWS, DashboardFigures
from app.dashboard.plan import plan_figures
from app.dashboard.templating import render
from app.dashboard.wording import decimal, kind_label, share, whole
from app.reports.deadlines import SlaPolicy
from app.reports.stats import AgencyCompliance

SIGN_IN_PATH = "/dashboard/masuk"
PLAN_LABELS = (
    ("disposed_on_time", "Didisposisikan tepat waktu"),
    ("followed_up_on_time", "Ditindaklanjuti tepat waktu"),
    ("completed", "Selesai"),
)


@dataclass(frozen=True)
class ComplianceRow:
    """One agency's line of the compliance table, as shown."""

    key: str
    name: str
    code: str | None
    cells: list[tuple[str, str]]


def period_error_page(official: Official, message: str, first: str, last: str) -> str:
    """The overview when the range cannot be shown: the picker and what is wrong."""
    messages = [{"kind": "galat", "text": message}]
    return render(
        "ringkasan.html",
        title="Rentang tidak valid",
        official=official,
        messages=messages,
        first=first,
        last=last,
        figures=None,
    )


def _headline(figures: DashboardFigures) -> list[tuple[str, str, int]]:
    by_kind = figures.summary.counts.get("kind", {})
    cards = [("total", "Laporan diterima", figures.summary.total)]
    cards += [(f"jenis-{k}", kind_label(k), by_kind.get(k, 0)) for k in KIND_ORDER]
    cards.append(("terlambat", "Terlambat saat ini", figures.summary.overdue_now))
    return cards


def _with_no_agency(figures: DashboardFigures) -> list[AgencyCompliance]:
    """The agencies' rows, and one for the reports that no agency holds, when there are any."""
    rows = list(figures.summary.agencies)
    unheld = figures.summary.counts.get("agency", {}).get(None, 0)
    if unheld:
        rows.append(AgencyCompliance(None, unheld, 0, 0, 0, 0, None, None))
    return rows


def compliance_rows(agencies: list[AgencyCompliance], names: dict[str, str]) -> list[ComplianceRow]:
    """Per agency: reports, dispositions and follow-ups on time, working days to follow-up."""
    rows = []
    for agency in agencies:
        code = agency.agency
        cells = [
            ("reports", whole(agency.reports)),
            ("disposed", whole(agency.disposed)),
            ("disposed_on_time_share", share(agency.disposed_on_time_share)),
            ("followed_up", whole(agency.followed_up)),
            ("followed_up_on_time_share", share(agency.followed_up_on_time_share)),
            ("median", decimal(agency.median_follow_up_working_days)),
            ("p90", decimal(agency.p90_follow_up_working_days)),
        ]
        name = names.get(code, code) if code else "Tanpa instansi"
        rows.append(ComplianceRow(code or "tanpa-instansi", name, code, cells))
    return rows


def _plan(figures: DashboardFigures) -> list[tuple[str, str, float | None, float | None]]:
    now = plan_figures(figures.summary)
    before = plan_figures(figures.previous) if figures.previous is not None else None
    return [(key, label, getattr(now, key), getattr(before, key, None)) for key, label in PLAN_LABELS]


def dashboard_page(official: Official, figures: DashboardFigures, sla: SlaPolicy) -> str:
    """The overview: headline and action-plan figures, both charts, compliance, overdue, sync."""
    period = figures.period
    months = months_between(period.first, period.last)
    by_status = figures.summary.counts.get("status", {})
    return render(
        "ringkasan.html",
        title="Ringkasan",
        official=official,
        first=period.first.isoformat(),
        last=period.last.isoformat(),
        figures=figures,
        sla=sla,
        headline=_headline(figures),
        plan=_plan(figures),
        has_previous=figures.previous is not None,
        # The charts are SVG drawn (and escaped) in app.dashboard.charts.
        monthly_svg=Markup(monthly_volume_svg(figures.summary.monthly, months)),  # noqa: S704
        funnel_svg=Markup(status_funnel_svg(by_status, figures.summary.total)),  # noqa: S704
        compliance=compliance_rows(_with_no_agency(figures), figures.agency_names),
        # The count covers every report; the list only those this role may see (secret ones hidden).
        hidden=max(figures.summary.overdue_now - figures.overdue_listed, 0),
        overdue_rows=OVERDUE_ROWS,
    )


def error_page(message: str, official: Official | None = None) -> str:
    """A page for something that went wrong or was refused; never a stack trace."""
    messages = [{"kind": "galat", "text": message}]
    return render("galat.html", title="Terjadi kesalahan", official=official, messages=messages)
