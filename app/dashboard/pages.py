"""The overview page's parts (charts and tables built here, every piece of data through `escape`),
put into the base template."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from zoneinfo import ZoneInfo

from markupsafe import Markup

from app.accounts.sessions import Official
from app.dashboard.charts import KIND_ORDER, monthly_volume_svg, months_between, status_funnel_svg
from app.dashboard.figures import OVERDUE_ROWS, DashboardFigures, OverdueReport
from app.dashboard.plan import plan_figures
from app.dashboard.templating import render
from app.dashboard.wording import (
    DEADLINE_LABELS,
    NO_FIGURE,
    day_label,
    decimal,
    kind_label,
    last_day_label,
    local_time_label,
    share,
    whole,
)
from app.reports.deadlines import SlaPolicy
from app.reports.stats import AgencyCompliance

SIGN_IN_PATH = "/dashboard/masuk"


def layout(title: str, body: str, official: Official | None = None) -> str:
    """A whole page from the base template, around a body built (and escaped) here."""
    return render("base.html", title=title, body=Markup(body), official=official)  # noqa: S704


def period_form(first: str, last: str) -> str:
    """The date-range picker: a GET form with the `from` and `to` dates."""
    return (
        '<form class="rentang" method="get" action="/dashboard">'
        f'<label for="dari">Dari</label><input type="date" id="dari" name="from" value="{escape(first)}">'
        f'<label for="sampai">Sampai</label><input type="date" id="sampai" name="to" value="{escape(last)}">'
        '<button type="submit" id="tampilkan">Tampilkan</button></form>'
    )


def period_error_page(official: Official, message: str, first: str, last: str) -> str:
    """The main page when the range cannot be shown: the picker and what is wrong."""
    body = period_form(first, last) + f'<p class="pesan galat" role="alert">{escape(message)}</p>'
    return layout("Rentang tidak valid", body, official)


def _headline(figures: DashboardFigures) -> str:
    by_kind = figures.summary.counts.get("kind", {})
    cards = [("total", "Laporan diterima", figures.summary.total)]
    cards += [(f"jenis-{k}", kind_label(k), by_kind.get(k, 0)) for k in KIND_ORDER]
    cards.append(("terlambat", "Terlambat saat ini", figures.summary.overdue_now))
    items = "".join(
        f'<div class="kartu" data-angka="{escape(key)}"><dt>{escape(label)}</dt><dd>{whole(value)}</dd></div>'
        for key, label, value in cards
    )
    return f'<dl class="angka">{items}</dl>'


def _cell(column: str, text: str) -> str:
    return f'<td data-kolom="{column}">{escape(text)}</td>'


def _compliance_row(agency: AgencyCompliance, names: dict[str, str]) -> str:
    code = agency.agency or "tanpa-instansi"
    name = names.get(agency.agency, agency.agency) if agency.agency else "Tanpa instansi"
    title = f'<th scope="row">{escape(name)}<span class="kode"> ({escape(code)})</span></th>'
    if agency.agency is None:
        title = f'<th scope="row">{escape(name)}</th>'
    elif name == code:
        title = f'<th scope="row">{escape(code)}</th>'
    cells = [
        _cell("reports", whole(agency.reports)),
        _cell("disposed", whole(agency.disposed)),
        _cell("disposed_on_time_share", share(agency.disposed_on_time_share)),
        _cell("followed_up", whole(agency.followed_up)),
        _cell("followed_up_on_time_share", share(agency.followed_up_on_time_share)),
        _cell("median", decimal(agency.median_follow_up_working_days)),
        _cell("p90", decimal(agency.p90_follow_up_working_days)),
    ]
    return f'<tr data-instansi="{escape(code)}">{title}{"".join(cells)}</tr>'


def _with_no_agency(figures: DashboardFigures) -> list[AgencyCompliance]:
    """The agencies' rows, and one for the reports that no agency holds, when there are any."""
    rows = list(figures.summary.agencies)
    unheld = figures.summary.counts.get("agency", {}).get(None, 0)
    if unheld:
        rows.append(AgencyCompliance(None, unheld, 0, 0, 0, 0, None, None))
    return rows


def compliance_table(agencies: list[AgencyCompliance], names: dict[str, str]) -> str:
    """Per agency: reports, dispositions and follow-ups on time, working days to follow-up."""
    if not agencies:
        return '<p class="kosong">Belum ada laporan yang didisposisikan dalam rentang ini.</p>'
    head = "".join(
        f'<th scope="col">{h}</th>'
        for h in (
            "Instansi",
            "Laporan",
            "Didisposisikan",
            "Disposisi tepat waktu",
            "Ditindaklanjuti",
            "Tindak lanjut tepat waktu",
            "Median hari kerja sampai tindak lanjut",
            "Persentil ke-90 hari kerja",
        )
    )
    rows = "".join(_compliance_row(a, names) for a in agencies)
    return f'<table id="kepatuhan" class="tabel-daftar"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def _missed(report: OverdueReport, tz: ZoneInfo) -> str:
    return "; ".join(
        f"{DEADLINE_LABELS[deadline]} (batas {last_day_label(due, tz)})" for deadline, due in report.missed
    )


def overdue_table(
    reports: Iterable[OverdueReport], listed: int, hidden: int, tz: ZoneInfo, names: dict[str, str]
) -> str:
    """Overdue reports: tracking number (a link to the report page), title, agency, missed deadline."""
    rows = "".join(
        f'<tr class="laporan-terlambat"><td class="nomor"><a href="/dashboard/laporan/{r.report_id}">'
        f"{escape(r.tracking_number or NO_FIGURE)}</a></td>"
        f'<td class="judul">{escape(r.title)}</td>'
        f'<td class="instansi">{escape(names.get(r.agency, r.agency) if r.agency else "Belum ada")}</td>'
        f'<td class="tenggat">{escape(_missed(r, tz))}</td></tr>'
        for r in reports
    )
    secret = f" {whole(hidden)} laporan rahasia lainnya tidak ditampilkan untuk peran Anda." if hidden else ""
    if not rows:
        return f'<p class="kosong">Tidak ada laporan terlambat yang dapat ditampilkan.{secret}</p>'
    more = f" (menampilkan {OVERDUE_ROWS} yang paling lama)" if listed > OVERDUE_ROWS else ""
    head = "".join(
        f'<th scope="col">{h}</th>' for h in ("Nomor pelacakan", "Judul", "Instansi", "Tenggat yang terlewat")
    )
    summary = f"{whole(listed)} laporan terlambat{more}.{secret}"
    return (
        f'<p class="keterangan" data-terlambat="{listed}">{summary}</p>'
        f'<table id="terlambat" class="tabel-daftar"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    )


def plan_section(figures: DashboardFigures) -> str:
    """The action plan's headline figures for the range beside the previous period of equal length."""
    now = plan_figures(figures.summary)
    before = plan_figures(figures.previous) if figures.previous is not None else None
    rows = []
    for key, label in (
        ("disposed_on_time", "Didisposisikan tepat waktu"),
        ("followed_up_on_time", "Ditindaklanjuti tepat waktu"),
        ("completed", "Selesai"),
    ):
        was = share(getattr(before, key)) if before is not None else NO_FIGURE
        rows.append(
            f'<div class="kartu" data-rencana="{key}"><dt>{label}</dt><dd>{share(getattr(now, key))}</dd>'
            f'<dd class="sebelumnya">periode sebelumnya: <span data-sebelumnya="{key}">{was}</span></dd></div>'
        )
    return f'<dl class="angka" id="rencana-aksi">{"".join(rows)}</dl>'


def sync_section(figures: DashboardFigures, tz: ZoneInfo) -> str:
    """The health of the sync with national LAPOR!."""
    health = figures.sync
    if health is None:
        return ""
    lag = NO_FIGURE if health.lag is None else f"{decimal(round(health.lag.total_seconds() / 60, 1))} menit"
    items = [
        ("tarik-terakhir", "Penarikan terakhir yang berhasil", local_time_label(health.last_success_at, tz)),
        ("jeda", "Jeda sejak penarikan itu", lag),
        ("tertunda", "Kiriman ke nasional yang menunggu", whole(health.pending_jobs)),
        ("gagal", "Kiriman yang gagal (mati)", whole(health.dead_jobs)),
    ]
    cells = "".join(
        f'<div class="kartu" data-sinkron="{key}"><dt>{label}</dt><dd>{escape(value)}</dd></div>'
        for key, label, value in items
    )
    return f'<section id="bagian-sinkron"><h2>Kesehatan sinkronisasi</h2><dl class="angka">{cells}</dl></section>'


def dashboard_page(official: Official, figures: DashboardFigures, sla: SlaPolicy) -> str:
    """The main page: headline figures, both charts, the compliance table and the overdue list."""
    period = figures.period
    tz = period.tz
    months = months_between(period.first, period.last)
    by_status = figures.summary.counts.get("status", {})
    # The count covers every report; the list only those this role may see (secret ones hidden).
    hidden = max(figures.summary.overdue_now - figures.overdue_listed, 0)
    body = (
        period_form(period.first.isoformat(), period.last.isoformat())
        + f'<p class="rentang-aktif">Laporan yang diterima {day_label(period.first)} sampai '
        f"{day_label(period.last)} (zona waktu {escape(tz.key)}).</p>"
        + _headline(figures)
        + '<section id="bagian-rencana"><h2>Rencana aksi: angka utama</h2>'
        + plan_section(figures)
        + "</section>"
        + '<section id="bagian-bulanan"><h2>Volume bulanan menurut jenis</h2>'
        + monthly_volume_svg(figures.summary.monthly, months)
        + '</section><section id="bagian-status"><h2>Corong status</h2>'
        + "<p>Jumlah laporan menurut status saat ini, berurutan mengikuti alur penanganan.</p>"
        + status_funnel_svg(by_status, figures.summary.total)
        + '</section><section id="bagian-kepatuhan"><h2>Kepatuhan tenggat per instansi</h2>'
        + f"<p>Disposisi tepat waktu: dalam {sla.disposition_working_days} hari kerja sejak diterima. "
        f"Tindak lanjut tepat waktu: dalam {sla.follow_up_working_days} hari kerja sejak disposisi.</p>"
        + compliance_table(_with_no_agency(figures), figures.agency_names)
        + '</section><section id="bagian-terlambat"><h2>Laporan terlambat</h2>'
        + overdue_table(figures.overdue, figures.overdue_listed, hidden, tz, figures.agency_names)
        + "</section>"
        + sync_section(figures, tz)
    )
    return layout("Ringkasan", body, official)


def error_page(message: str, official: Official | None = None) -> str:
    """A page for something that went wrong or was refused; never a stack trace."""
    messages = [{"kind": "galat", "text": message}]
    return render("galat.html", title="Terjadi kesalahan", official=official, messages=messages)
