"""The shapes real gateways were seen to answer in, beside the documented contract (`--variant`).

- `contract`: the documented contract (list call, either auth header, `results.complaint.id`).
- `integrator`: what newer integrator code meets: no list call, the secret under `Authorization`
  only, the filed id under `results.data.complaint_id`, follow-ups with `status_old`/`status_new`
  objects, a `data` JSON string and template placeholders.
- `legacy`: what older integrator code meets: no list call, the secret under `auth` only, the
  filed id as a bare top-level `complaint_id` (no `results` envelope).
"""

from __future__ import annotations

import json
from typing import Literal

Variant = Literal["contract", "integrator", "legacy"]
VARIANTS: tuple[Variant, ...] = ("contract", "integrator", "legacy")

VARIANT_SETTINGS: dict[Variant, dict[str, object]] = {
    "contract": {"has_list_call": True, "auth_header": "either"},
    "integrator": {"has_list_call": False, "auth_header": "authorization"},
    "legacy": {"has_list_call": False, "auth_header": "auth"},
}
"""The settings each variant implies (set by `configure(variant=...)` unless given too)."""

_COLORS = {"Selesai": "#2e7d32", "Ditolak": "#c62828"}


def shape_answer(variant: Variant, handler: str, results: object, status_name: str | None) -> object:
    """The body of a success in this variant's shape (`results` as the contract has it)."""
    if variant == "contract" or not isinstance(results, dict):
        return {"results": results}
    if handler == "file_complaint":
        ids = results["complaint"]
        if variant == "legacy":
            return {"complaint_id": ids["id"], "message": "Laporan berhasil dibuat"}
        return {"results": {"data": {"complaint_id": ids["id"], "tracking_id": ids["tracking_id"]}}}
    if handler == "list_follow_ups" and variant == "integrator":
        items = [_templated(item, status_name) for item in results["data"]]
        return {"results": {**results, "data": items}}
    return {"results": results}


def _templated(follow_up: dict[str, object], status_name: str | None) -> dict[str, object]:
    """A follow-up as newer gateways show it: the words in a template, status objects, `data` as text."""
    status = {"name": status_name, "color": _COLORS.get(status_name or "", "#1565c0")}
    extra = {"template_code": follow_up["template_code"], "source": "mock"}
    return {
        **follow_up,
        "content": None,
        "template_content": "{{institution_from}} ({{status_new}}): " + str(follow_up["content"]),
        "status_old": {"name": "Didisposisikan", "color": "#f9a825"},
        "status_new": status,
        "data": json.dumps(extra),
        "attachments": [
            {**a, "extension": str(a.get("file_name", "")).rpartition(".")[2]}
            for a in _attachments(follow_up)
        ],
    }


def _attachments(follow_up: dict[str, object]) -> list[dict[str, str]]:
    found = follow_up.get("attachments")
    return [a for a in found if isinstance(a, dict)] if isinstance(found, list) else []
