"""Categories as Open311 services, and the attributes a request may carry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models import Category
from app.open311.render import Open311Error

KIND_NAMES = {
    "complaint": "Pengaduan",
    "aspiration": "Aspirasi",
    "information_request": "Permintaan Informasi",
}
YES_NO = {"true": "Ya", "false": "Tidak"}

# code -> (datatype, description, values); the order is the list's.
ATTRIBUTES: dict[str, tuple[str, str, dict[str, str] | None]] = {
    "kind": ("singlevaluelist", "Jenis laporan (default: pengaduan)", KIND_NAMES),
    "title": ("string", "Judul laporan (default: awal deskripsi)", None),
    "district_code": ("string", "Kode kecamatan", None),
    "village_code": ("string", "Kode desa/kelurahan", None),
    "anonymous": ("singlevaluelist", "Anonim: identitas pelapor tidak ditampilkan", YES_NO),
    "secret": ("singlevaluelist", "Rahasia: laporan tidak ditampilkan untuk publik", YES_NO),
}


def service(category: Category) -> dict[str, Any]:
    """A category as an Open311 service."""
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.name,
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": "",
    }


async def active_services(session: AsyncSession) -> list[dict[str, Any]]:
    """Every active category, by code."""
    rows = (
        await session.execute(select(Category).where(col(Category.active)).order_by(col(Category.code)))
    ).scalars()
    return [service(c) for c in rows]


async def active_category(session: AsyncSession, code: str) -> Category:
    """The active category of a service code; 404 for an unknown or deactivated one."""
    category = (
        await session.execute(select(Category).where(col(Category.code) == code, col(Category.active)))
    ).scalar_one_or_none()
    if category is None:
        raise Open311Error(404, f"unknown service_code {code!r}")
    return category


def definition(category: Category) -> dict[str, Any]:
    """The service definition: its attributes."""
    attributes = [
        {
            "variable": True,
            "code": code,
            "datatype": datatype,
            "required": False,
            "datatype_description": "",
            "order": order,
            "description": description,
            **({"values": [{"key": k, "name": v} for k, v in values.items()]} if values else {}),
        }
        for order, (code, (datatype, description, values)) in enumerate(ATTRIBUTES.items(), start=1)
    ]
    return {"service_code": category.code, "attributes": attributes}
