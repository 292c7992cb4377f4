"""What national LAPOR answers to the regency's writes: a filed complaint, uploaded files, a posted
follow-up, a rejected complaint (read as tolerantly as `app.sync.wire.incoming` reads)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, model_validator

from app.sync.wire.conventions import WireId, WireRef, WireTrackingId, tracking_id_text, wire_ref
from app.sync.wire.incoming import Listed, NationalComplaint, WireModel, named


class FiledRef(WireModel):
    """The ids LAPOR gives a complaint it has just stored (a bare number is read as its id)."""

    id: WireRef = None
    tracking_id: WireTrackingId = ""

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, value: object) -> object:
        return {"id": value} if isinstance(value, str) and wire_ref(value) else named(value, "tracking_id")


def _number_or_text(value: object) -> str | int | None:
    return value if isinstance(value, str) else wire_ref(value)


def _object_or_none(value: object) -> object:
    return value if isinstance(value, dict) else None


class FiledComplaint(WireModel):
    """The answer to filing a complaint: its id under `complaint_id`, `data.complaint_id` or `complaint.id`."""

    complaint: FiledRef | None = None
    complaint_id: WireRef = None
    data: Annotated[dict[str, object] | None, BeforeValidator(_object_or_none)] = None

    @property
    def national_id(self) -> int:
        """The new complaint's id, from whichever of the three shapes the gateway used (the first
        that is a number from 1 to `MAX_ID`)."""
        nested = wire_ref((self.data or {}).get("complaint_id"))
        for number in (self.complaint_id, nested, self.complaint.id if self.complaint else None):
            if number:
                return number
        raise ValueError("the filing answer names no complaint id")

    @property
    def tracking_id(self) -> str:
        """The national tracking id, when the answer gives one (else empty)."""
        given = self.complaint.tracking_id if self.complaint else ""
        return given or tracking_id_text(_number_or_text((self.data or {}).get("tracking_id")))

    @model_validator(mode="after")
    def _names_an_id(self) -> FiledComplaint:
        self.national_id  # noqa: B018  (refuse an answer that names no id at all)
        return self


class UploadedDoc(WireModel):
    """An attachment stored upstream, to be referenced when filing."""

    id: WireId


class UploadedDocs(WireModel):
    """The answer to an attachment upload."""

    docs: Annotated[list[UploadedDoc], Listed]


class PostedRef(WireModel):
    """The id of something just posted."""

    id: WireId


class PostedFollowUp(WireModel):
    """The answer to posting a follow-up."""

    followup: PostedRef


class RejectedComplaint(WireModel):
    """The answer to a "bukan wewenang" rejection."""

    complaint: NationalComplaint
