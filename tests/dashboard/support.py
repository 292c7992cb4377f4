"""A seeded data set with known answers, sign-in helpers and a small HTML reader for the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.service import create_account
from app.models import Agency, Category, Report
from app.models.enums import Role

WIB = ZoneInfo("Asia/Jakarta")
FAR = datetime(2030, 1, 1, tzinfo=UTC)
HOSTILE_TITLE = '<script>alert("dasbor")</script> & <img src=x onerror=alert(1)>'
SECRET_TITLE = "Laporan rahasia yang terlambat ditindaklanjuti"
ORIGIN = {"Origin": "http://testserver"}
# The range holding the whole seeded set, and October alone.
BOTH_MONTHS = "from=2026-10-01&to=2026-11-30"
OCTOBER = "from=2026-10-01&to=2026-10-31"


def wib(*args: int) -> datetime:
    return datetime(*args).replace(tzinfo=WIB).astimezone(UTC)


async def add_directory(session: AsyncSession) -> None:
    """The agencies and category the data set refers to (the `keys` fixture adds the same)."""
    session.add_all(
        [
            Agency(code="DPUPR", name="Dinas Pekerjaan Umum dan Penataan Ruang"),
            Agency(code="DINKES", name="Dinas Kesehatan"),
            Category(code="INFRA", name="Infrastruktur"),
        ]
    )
    await session.flush()


async def seed_reports(session: AsyncSession) -> None:
    """Eight reports: seven received in October and November 2026 (WIB), one in January 2025.

    In the October-November range: 7 reports (complaint 4, aspiration 2, information request 1);
    October: 2 complaints; November: 2 complaints, 2 aspirations, 1 information request.
    Status: followed_up 3, disposed 2, unverified 1, completed 1. Overdue now: 2 (the hostile
    unverified one past its disposition deadline, and a secret one past its follow-up deadline).
    DPUPR: 3 reports, 2 of 3 dispositioned on time, 1 of 2 followed up on time, median 2, p90 7.
    DINKES: 2 reports, 2 of 2 on time, 1 of 1 followed up on time, median 4, p90 4.
    """
    agencies = {a.code: a.id for a in (await session.execute(select(Agency))).scalars()}
    infra = (await session.execute(select(Category.id).where(Category.code == "INFRA"))).scalar_one()
    serial = iter(range(901, 1000))

    def report(created: datetime, kind: str, status: str, agency: str | None, **extra: Any) -> Report:
        values: dict[str, Any] = {
            "tracking_number": f"KOBAR-2026-{next(serial):06d}",
            "kind": kind,
            "title": "Laporan uji dasbor",
            "content": "Isi laporan uji dasbor yang cukup panjang.",
            "channel": "web",
            "status": status,
            "origin": "local",
            "agency_id": agencies[agency] if agency else None,
            "created_at": created,
            "updated_at": created,
            "disposition_due_at": FAR,
            "follow_up_due_at": FAR,
            "resolution_due_at": FAR,
            "district_code": "62.01.01",
            "category_id": infra,
        }
        values.update(extra)
        return Report(**values)

    r1, r2, r3 = wib(2026, 10, 5, 10), wib(2026, 10, 20, 9), wib(2026, 11, 2, 8)
    r4, r8 = wib(2026, 11, 10, 14), wib(2026, 11, 3, 9)
    session.add_all(
        [
            report(r1, "complaint", "followed_up", "DPUPR",
                   disposed_at=r1 + timedelta(days=1), disposition_due_at=r1 + timedelta(days=3),
                   followed_up_at=r1 + timedelta(days=3), follow_up_due_at=r1 + timedelta(days=8),
                   follow_up_working_days=2),
            report(r2, "complaint", "followed_up", "DPUPR",
                   disposed_at=r2 + timedelta(days=5), disposition_due_at=r2 + timedelta(days=3),
                   followed_up_at=r2 + timedelta(days=15), follow_up_due_at=r2 + timedelta(days=12),
                   follow_up_working_days=7),
            report(r3, "aspiration", "disposed", "DPUPR",
                   disposed_at=r3 + timedelta(hours=5), disposition_due_at=r3 + timedelta(days=3)),
            report(r4, "information_request", "followed_up", "DINKES",
                   disposed_at=r4 + timedelta(days=1), disposition_due_at=r4 + timedelta(days=3),
                   followed_up_at=r4 + timedelta(days=5), follow_up_due_at=r4 + timedelta(days=7),
                   follow_up_working_days=4),
            # Overdue: still unverified past its disposition deadline; a hostile title.
            report(wib(2026, 11, 20, 9), "complaint", "unverified", None, title=HOSTILE_TITLE,
                   disposition_due_at=wib(2026, 11, 25, 0)),
            # 1 November 03:00 in Jakarta, still 31 October in UTC: counted in November.
            report(datetime(2026, 10, 31, 20, 0, tzinfo=UTC), "aspiration", "completed", None),
            # Outside the range.
            report(wib(2025, 1, 1, 9), "complaint", "archived", "DPUPR"),
            # Secret, and overdue on its follow-up: counted, but listed only for roles that may see it.
            report(r8, "complaint", "disposed", "DINKES", title=SECRET_TITLE, is_secret=True,
                   disposed_at=r8 + timedelta(days=1), disposition_due_at=r8 + timedelta(days=3),
                   follow_up_due_at=wib(2026, 11, 12, 9)),
        ]
    )  # fmt: skip
    await session.flush()


async def seed(app: Any) -> None:
    """Seed the data set into the app's store (after the `keys` fixture made the directory)."""
    async with app.state.runtime.sessions() as session:
        await seed_reports(session)
        await session.commit()


PASSWORD = "kata-sandi-yang-panjang-1"
AGENCY_OF = {"agency": "DPUPR", "other_agency": "DINKES"}
ROLE_OF = {"other_agency": "agency"}


async def make_account(app: Any, name: str, password: str = PASSWORD, display_name: str | None = None) -> int:
    """An account named `name` (a role, or `other_agency`), made through the service."""
    async with app.state.runtime.sessions() as session:
        account = await create_account(
            session,
            username=name.replace("_", "-"),
            display_name=display_name or f"Petugas {name}",
            role=Role(ROLE_OF.get(name, name)),
            password=password,
            agency_code=AGENCY_OF.get(name),
        )
        await session.commit()
        return account.id or 0


def report_form(page: Page, **fields: str) -> dict[str, str]:
    """A report page's form fields: its CSRF token and the version it shows, with `fields`."""
    return {
        "csrf": page.find("input", name="csrf")[0].attrs["value"],
        "versi": page.find("input", name="versi")[0].attrs["value"],
        **fields,
    }


def form_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    return Page.of(html).find("input", name="csrf")[0].attrs["value"]


async def post_sign_in(
    client: httpx.AsyncClient, login: str, password: str = PASSWORD, origin: str = "http://testserver"
) -> httpx.Response:
    """Open the sign-in form and post it, as a browser on this site would."""
    token = form_token((await client.get("/dashboard/masuk")).text)
    form = {"pengguna": login, "sandi": password, "csrf": token}
    return await client.post("/dashboard/masuk", data=form, headers={"Origin": origin})


async def sign_in_as(client: httpx.AsyncClient, app: Any, name: str) -> httpx.Response:
    """Make an account for `name` and sign in with it; the answer must be the redirect."""
    await make_account(app, name)
    response = await post_sign_in(client, name.replace("_", "-"))
    assert response.status_code == 303, response.text
    return response


@dataclass
class Element:
    """One element of a parsed page: its tag, attributes and all the text inside it."""

    tag: str
    attrs: dict[str, str]
    text: str = ""

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class Page(HTMLParser):
    """A flat list of a page's elements, enough to check what it shows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    @classmethod
    def of(cls, html: str) -> Page:
        page = cls()
        page.feed(html)
        page.close()
        return page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if tag not in {"input", "meta", "link", "br", "img", "hr"}:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def find(self, tag: str, cls: str | None = None, **attrs: str) -> list[Element]:
        """Elements with this tag, class and attributes (`data_x` means `data-x`)."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [
            e
            for e in self.elements
            if e.tag == tag
            and (cls is None or cls in e.classes)
            and all(e.attrs.get(k) == v for k, v in wanted.items())
        ]

    def one(self, tag: str, cls: str | None = None, **attrs: str) -> Element:
        found = self.find(tag, cls, **attrs)
        assert len(found) == 1, f"expected one <{tag} class={cls} {attrs}>, found {len(found)}"
        return found[0]

    def bars(self) -> set[tuple[str, str, int]]:
        """The monthly chart's segments as (month, kind, count)."""
        return {
            (e.attrs["data-bulan"], e.attrs["data-jenis"], int(e.attrs["data-jumlah"]))
            for e in self.find("rect", "batang")
        }

    def funnel(self) -> dict[str, int]:
        """The status funnel as status → count."""
        return {e.attrs["data-status"]: int(e.attrs["data-jumlah"]) for e in self.find("g", "tahap")}

    def headline(self, key: str) -> str:
        return self.one("div", "kartu", data_angka=key).text

    def compliance(self, agency: str) -> dict[str, str]:
        """One row of the compliance table as column → shown text."""
        row_index = self.elements.index(self.one("tr", data_instansi=agency))
        cells: dict[str, str] = {}
        for element in self.elements[row_index + 1 :]:
            if element.tag == "tr":
                break
            if element.tag == "td":
                cells[element.attrs["data-kolom"]] = element.text
        return cells

    def overdue_rows(self) -> list[Element]:
        return self.find("tr", "laporan-terlambat")
