"""The error shapes, for the OpenAPI document."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class ErrorOut(BaseModel):
    """Every error: a stable code and a human message (more keys for some errors)."""

    model_config = ConfigDict(extra="allow")

    error: str
    detail: str


class FieldError(BaseModel):
    """One field that did not validate."""

    field: str
    message: str
    type: Any = None


class ValidationErrorOut(ErrorOut):
    """A `422`: the fields at fault, when the fault is in fields."""

    fields: list[FieldError] | None = None
