"""Server-side SVG charts: monthly volume by kind (stacked bars) and the status funnel."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date
from html import escape

from app.dashboard.wording import MONTHS, NO_FIGURE, kind_label, month_label, share, status_label, whole
from app.models.enums import ReportKind, ReportStatus

KIND_ORDER = [k.value for k in ReportKind]
KIND_COLOURS = {
    ReportKind.complaint.value: "#b03a2e",
    ReportKind.aspiration.value: "#1f618d",
    ReportKind.information_request.value: "#1e8449",
}
OTHER_COLOUR = "#7f8c8d"
FUNNEL_COLOUR = "#6c3483"
WIDTH = 760
FUNNEL_ROW_H, FUNNEL_LABEL_W, FUNNEL_COUNT_W = 28, 180, 110


def months_between(first: date, last: date) -> list[str]:
    """Every month (`YYYY-MM`) that the range touches, in order."""
    months = []
    index = first.year * 12 + first.month - 1
    while index <= last.year * 12 + last.month - 1:
        months.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
        index += 1
    return months


def nice_step(top: int, ticks: int = 5) -> int:
    """A round tick step (1, 2 or 5 times a power of ten) giving at most `ticks` steps up to `top`."""
    raw = max(top, 1) / ticks
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return max(1, factor * power)
    return 10 * power


def _attrs(values: Mapping[str, object]) -> str:
    return " ".join(f'{name}="{escape(str(value))}"' for name, value in values.items())


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _svg(chart_id: str, height: int, title: str, body: Iterable[str]) -> str:
    return (
        f'<svg id="{chart_id}" class="grafik" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{chart_id}-judul">'
        f'<title id="{chart_id}-judul">{escape(title)}</title>{"".join(body)}</svg>'
    )


def _legend(kinds: list[str], left: int) -> list[str]:
    spacing = min(190, (WIDTH - left) // max(len(kinds), 1))
    parts = []
    for i, kind in enumerate(kinds):
        x = left + i * spacing
        colour = KIND_COLOURS.get(kind, OTHER_COLOUR)
        parts.append(f'<rect class="legenda" x="{x}" y="10" width="14" height="14" fill="{colour}"/>')
        parts.append(f'<text class="legenda" x="{x + 20}" y="22">{escape(kind_label(kind))}</text>')
    return parts


def _y_axis(ceiling: int, step: int, left: int, top: int, plot_h: float) -> list[str]:
    parts = []
    for tick in range(0, ceiling + 1, step):
        y = _num(top + plot_h - tick / ceiling * plot_h)
        parts.append(f'<line class="kisi" x1="{left}" x2="{WIDTH - 12}" y1="{y}" y2="{y}"/>')
        parts.append(
            f'<text class="sumbu" x="{left - 6}" y="{y}" dy="4" text-anchor="end">{whole(tick)}</text>'
        )
    return parts


def _month_column(
    month: str, per: Mapping[str, int], kinds: list[str], x: float, bar_w: float, base: float, scale: float
) -> list[str]:
    """One month's stacked segments (bottom up, in kind order) and its total above them."""
    parts = []
    for kind in kinds:
        count = per.get(kind, 0)
        if not count:
            continue
        h = count * scale
        base -= h
        attrs = {"data-bulan": month, "data-jenis": kind, "data-jumlah": count}
        parts.append(
            f'<rect class="batang" {_attrs(attrs)} x="{_num(x)}" y="{_num(base)}" width="{_num(bar_w)}" '
            f'height="{_num(h)}" fill="{KIND_COLOURS.get(kind, OTHER_COLOUR)}"><title>'
            f"{escape(month_label(month))} · {escape(kind_label(kind))}: {whole(count)}</title></rect>"
        )
    total = sum(per.values())
    if total:
        parts.append(
            f'<text class="total-bulan" data-bulan="{escape(month)}" x="{_num(x + bar_w / 2)}" '
            f'y="{_num(base - 5)}" text-anchor="middle">{whole(total)}</text>'
        )
    return parts


def _month_label(month: str, first: bool, centre: float, y: int) -> list[str]:
    year, number = month.split("-")
    parts = [
        f'<text class="sumbu label-bulan" x="{_num(centre)}" y="{y}" text-anchor="middle">'
        f"{MONTHS[int(number) - 1]}</text>"
    ]
    if first or number == "01":
        parts.append(
            f'<text class="sumbu" x="{_num(centre)}" y="{y + 16}" text-anchor="middle">{year}</text>'
        )
    return parts


def monthly_volume_svg(monthly: Iterable[tuple[str, str, int]], months: list[str]) -> str:
    """Reports received per month, one stacked bar per month with a segment per kind."""
    counts: dict[str, dict[str, int]] = {m: {} for m in months}
    for month, kind, count in monthly:
        counts.setdefault(month, {})[kind] = count
    kinds = KIND_ORDER + sorted({k for per in counts.values() for k in per} - set(KIND_ORDER))
    height, left, top, bottom = 300, 48, 40, 46
    plot_w, plot_h = WIDTH - left - 12, height - top - bottom
    highest = max((sum(per.values()) for per in counts.values()), default=0)
    step = nice_step(highest)
    ceiling = step * max(math.ceil(highest / step), 1)
    body = _legend(kinds, left) + _y_axis(ceiling, step, left, top, plot_h)
    band = plot_w / max(len(counts), 1)
    bar_w = min(band * 0.7, 48)
    label_every = math.ceil(len(counts) / 12)
    for index, (month, per) in enumerate(sorted(counts.items())):
        x = left + index * band + (band - bar_w) / 2
        body += _month_column(month, per, kinds, x, bar_w, top + plot_h, plot_h / ceiling)
        if index % label_every == 0:
            body += _month_label(month, index == 0, x + bar_w / 2, height - bottom + 16)
    if not highest:
        body.append(
            f'<text class="kosong" x="{WIDTH // 2}" y="{top + plot_h // 2}" text-anchor="middle">'
            "Tidak ada laporan dalam rentang ini.</text>"
        )
    return _svg("grafik-bulanan", height, "Volume laporan per bulan menurut jenis", body)


def _funnel_row(status: str, count: int, total: int, biggest: int, y: int) -> str:
    """One status: its label, a bar centred in the bar area, and its count and share."""
    label = escape(status_label(status))
    attrs = {"data-status": status, "data-jumlah": count}
    parts = [
        f'<g class="tahap" {_attrs(attrs)}>',
        f'<text class="label-tahap" x="{FUNNEL_LABEL_W - 10}" y="{y + 18}" text-anchor="end">{label}</text>',
    ]
    bar_area = WIDTH - FUNNEL_LABEL_W - FUNNEL_COUNT_W
    if count:
        w = max(count / biggest * bar_area, 2)
        x = FUNNEL_LABEL_W + (bar_area - w) / 2
        box = f'x="{_num(x)}" y="{y + 4}" width="{_num(w)}" height="{FUNNEL_ROW_H - 8}"'
        tooltip = f"<title>{label}: {whole(count)}</title>"
        parts.append(f'<rect class="batang-tahap" {box} fill="{FUNNEL_COLOUR}">{tooltip}</rect>')
    portion = share(count / total) if total else NO_FIGURE
    x = WIDTH - FUNNEL_COUNT_W + 10
    parts.append(f'<text class="jumlah-tahap" x="{x}" y="{y + 18}">{whole(count)} · {portion}</text></g>')
    return "".join(parts)


def status_funnel_svg(by_status: Mapping[str | None, int], total: int) -> str:
    """Reports by their current status, in the order of the lifecycle, as centred bars."""
    statuses = [s.value for s in ReportStatus]
    statuses += sorted(str(s) for s in by_status if s is not None and s not in statuses)
    top = 8
    biggest = max(by_status.values(), default=0) or 1
    body = [
        _funnel_row(status, by_status.get(status, 0), total, biggest, top + index * FUNNEL_ROW_H)
        for index, status in enumerate(statuses)
    ]
    height = top * 2 + FUNNEL_ROW_H * len(statuses)
    return _svg("grafik-status", height, "Corong status: laporan menurut status saat ini", body)
