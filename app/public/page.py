"""The `/lacak` page in Bahasa Indonesia: every value is HTML-escaped as it is put in."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse
from starlette.responses import Response

from app.core.body_limit import Refusal
from app.public.lookup import PublicReportOut

# Like the workspace's pages (and stricter: this page loads nothing, so nothing may be loaded);
# never cached, as a result may hold follow-ups the code opened.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
UNREADABLE = "Isian tidak dapat dibaca. Nomor laporan wajib diisi, paling banyak 40 karakter."
WRONG_METHOD = "Halaman ini tidak dapat dibuka dengan cara ini. Gunakan formulir di bawah."

_PAGE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lacak Laporan</title></head>
<body><main>
<h1>Lacak Laporan</h1>
<form method="post" action="/lacak">
<label>Nomor laporan <input name="tracking_number" value="{number}" required maxlength="40"></label>
<label>Kode pelacakan (opsional) <input name="code" autocomplete="off" maxlength="20"></label>
<button type="submit">Lacak</button>
</form>
{result}
</main></body></html>
"""

KIND_LABELS = {
    "complaint": "Pengaduan",
    "aspiration": "Aspirasi",
    "information_request": "Permintaan Informasi",
}


def lacak_page(number: str = "", result: str = "") -> str:
    """The page, with the number typed and the result (already escaped HTML) below the form."""
    return _PAGE.format(number=escape(number), result=result)


def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    return escape(moment.astimezone(tz).strftime("%d-%m-%Y %H:%M")) if moment else "-"


def result_html(out: PublicReportOut, tz: ZoneInfo) -> str:
    """A found report: status, dates, and with the code its kind, category, agency, follow-ups."""
    rows = [
        ("Nomor laporan", escape(out.tracking_number)),
        ("Status", escape(out.status_label)),
        ("Tanggal laporan", _when(out.filed_at, tz)),
        ("Terakhir diperbarui", _when(out.updated_at, tz)),
        ("Batas verifikasi dan disposisi", _when(out.deadlines.disposition_due_at, tz)),
        ("Batas tindak lanjut", _when(out.deadlines.follow_up_due_at, tz)),
        ("Batas penyelesaian", _when(out.deadlines.resolution_due_at, tz)),
    ]
    if out.duplicate_of:
        rows.append(("Sama dengan laporan", escape(out.duplicate_of)))
    if out.with_code:
        rows += [
            ("Jenis", escape(KIND_LABELS.get(out.kind or "", out.kind or "-"))),
            ("Kategori", escape(out.category or "-")),
            ("Instansi", escape(out.agency or "-")),
        ]
    table = "".join(f"<tr><th>{name}</th><td>{value}</td></tr>" for name, value in rows)
    parts = [f'<section id="hasil"><table>{table}</table>']
    if out.follow_ups is not None:
        items = "".join(
            f"<li><p>{escape(f.content)}</p><small>{escape(f.agency or '')} {_when(f.created_at, tz)}</small></li>"
            for f in out.follow_ups
        )
        parts.append(f"<h2>Tindak lanjut</h2><ul>{items or '<li>Belum ada tindak lanjut.</li>'}</ul>")
    else:
        parts.append("<p>Masukkan kode pelacakan untuk melihat tindak lanjut.</p>")
    parts.append("</section>")
    return "".join(parts)


def message_html(text: str) -> str:
    """A message in place of a result (not found, too many lookups)."""
    return f'<p id="pesan" role="alert">{escape(text)}</p>'


def secured(response: Response) -> Response:
    """The response with the page's security headers."""
    response.headers.update(SECURITY_HEADERS)
    return response


def refused_page(status: int, text: str = UNREADABLE) -> Response:
    """The form again with a message, for input the lookup could not read."""
    return secured(HTMLResponse(lacak_page(result=message_html(text)), status_code=status))


def edge_page(path: str, refusal: Refusal) -> Response:
    """A refusal of the edge (`app.core.body_limit.refuse`: a refused character, a body too
    large, a charset it cannot read) to `/lacak`, or a method it does not take (405, from
    `app.core.methods`, which adds `Allow`), as the page instead of the API's JSON."""
    if refusal.status == 405:
        return refused_page(405, WRONG_METHOD)
    if refusal.status == 422:
        return refused_page(422, "Isian berisi karakter yang tidak diizinkan. Periksa nomor laporan.")
    return refused_page(refusal.status)
