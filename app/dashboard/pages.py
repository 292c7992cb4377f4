"""The dashboard's HTML pages, built as strings; every piece of data goes through `escape`."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from zoneinfo import ZoneInfo

from app.dashboard.charts import KIND_ORDER, monthly_volume_svg, months_between, status_funnel_svg
from app.dashboard.figures import OVERDUE_ROWS, DashboardFigures, OverdueReport
from app.dashboard.wording import (
    DEADLINE_LABELS,
    NO_FIGURE,
    ROLE_LABELS,
    day_label,
    decimal,
    kind_label,
    local_day_label,
    share,
    whole,
)
from app.keys import Principal
from app.reports.deadlines import SlaPolicy
from app.reports.stats import AgencyCompliance

STYLESHEET = "/dashboard/static/dashboard.css"
ICON = "/dashboard/static/favicon.svg"
SIGN_IN_PATH = "/dashboard/masuk"
SIGN_OUT_PATH = "/dashboard/keluar"


def layout(title: str, body: str, principal: Principal | None = None) -> str:
    """A whole page: head, the header bar (with sign-out when signed in) and the body."""
    account = ""
    if principal is not None:
        account = (
            f'<div class="akun"><span>Masuk sebagai <strong>{escape(principal.name)}</strong> '
            f"({escape(ROLE_LABELS.get(principal.role, principal.role.value))})</span>"
            f'<form method="post" action="{SIGN_OUT_PATH}"><button type="submit" id="keluar">Keluar</button>'
            "</form></div>"
        )
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)} · Dasbor LAPOR!</title><link rel="stylesheet" href="{STYLESHEET}">'
        f'<link rel="icon" href="{ICON}" type="image/svg+xml"></head>'
        f'<body><header class="kepala"><h1>Dasbor Pengaduan Kabupaten</h1>{account}</header>'
        f"<main>{body}</main></body></html>"
    )


def sign_in_page(error: str | None = None, notice: str | None = None) -> str:
    """The sign-in form, with an error or a notice above it."""
    messages = ""
    if error:
        messages += f'<p class="pesan galat" role="alert">{escape(error)}</p>'
    if notice:
        messages += f'<p class="pesan info" role="status">{escape(notice)}</p>'
    body = (
        '<section class="masuk"><h2>Masuk</h2>'
        "<p>Masukkan kunci API dengan peran <em>pemantau</em> (viewer), <em>koordinator</em> "
        "(coordinator) atau <em>admin</em>. Kunci tidak disimpan di peramban.</p>"
        f'{messages}<form method="post" action="{SIGN_IN_PATH}">'
        '<label for="kunci">Kunci API</label>'
        '<input type="password" id="kunci" name="kunci" autocomplete="off" required>'
        '<button type="submit" id="masuk">Masuk</button></form></section>'
    )
    return layout("Masuk", body)


def period_form(first: str, last: str) -> str:
    """The date-range picker: a GET form with the `from` and `to` dates."""
    return (
        '<form class="rentang" method="get" action="/dashboard">'
        f'<label for="dari">Dari</label><input type="date" id="dari" name="from" value="{escape(first)}">'
        f'<label for="sampai">Sampai</label><input type="date" id="sampai" name="to" value="{escape(last)}">'
        '<button type="submit" id="tampilkan">Tampilkan</button></form>'
    )


def period_error_page(principal: Principal, message: str, first: str, last: str) -> str:
    """The main page when the range cannot be shown: the picker and what is wrong."""
    body = period_form(first, last) + f'<p class="pesan galat" role="alert">{escape(message)}</p>'
    return layout("Rentang tidak valid", body, principal)


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
    code = agency.agency or NO_FIGURE
    name = names.get(agency.agency or "", "")
    title = (
        f'<th scope="row"><abbr title="{escape(name)}">{escape(code)}</abbr></th>'
        if name
        else (f'<th scope="row">{escape(code)}</th>')
    )
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
    return f'<table id="kepatuhan"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def _missed(report: OverdueReport, tz: ZoneInfo) -> str:
    return "; ".join(
        f"{DEADLINE_LABELS[deadline]} (batas {local_day_label(due, tz)})" for deadline, due in report.missed
    )


def overdue_table(reports: Iterable[OverdueReport], listed: int, hidden: int, tz: ZoneInfo) -> str:
    """Overdue reports: tracking number, title, agency and which deadline was missed."""
    rows = "".join(
        f'<tr class="laporan-terlambat"><td class="nomor">{escape(r.tracking_number or NO_FIGURE)}</td>'
        f'<td class="judul">{escape(r.title)}</td><td class="instansi">{escape(r.agency or "Belum ada")}</td>'
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
        f'<table id="terlambat"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    )


def dashboard_page(principal: Principal, figures: DashboardFigures, sla: SlaPolicy) -> str:
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
        + '<section id="bagian-bulanan"><h2>Volume bulanan menurut jenis</h2>'
        + monthly_volume_svg(figures.summary.monthly, months)
        + '</section><section id="bagian-status"><h2>Corong status</h2>'
        + "<p>Jumlah laporan menurut status saat ini, berurutan mengikuti alur penanganan.</p>"
        + status_funnel_svg(by_status, figures.summary.total)
        + '</section><section id="bagian-kepatuhan"><h2>Kepatuhan tenggat per instansi</h2>'
        + f"<p>Disposisi tepat waktu: dalam {sla.disposition_working_days} hari kerja sejak diterima. "
        f"Tindak lanjut tepat waktu: dalam {sla.follow_up_working_days} hari kerja sejak disposisi.</p>"
        + compliance_table(figures.summary.agencies, figures.agency_names)
        + '</section><section id="bagian-terlambat"><h2>Laporan terlambat</h2>'
        + overdue_table(figures.overdue, figures.overdue_listed, hidden, tz)
        + "</section>"
    )
    return layout("Ringkasan", body, principal)


def error_page(message: str) -> str:
    """A page for something that went wrong on the server; never a stack trace."""
    body = f'<p class="pesan galat" role="alert">{escape(message)}</p><p><a href="/dashboard">Kembali</a></p>'
    return layout("Terjadi kesalahan", body)
