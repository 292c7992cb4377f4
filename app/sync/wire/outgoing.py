"""What the regency sends national LAPOR: a complaint to file, a follow-up to post."""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.sync.wire.conventions import WireBool, WireDate

AttachmentUpload = tuple[str, bytes, str]
"""(file name, content, content type) of one file to upload."""
TextPart = tuple[None, str]
"""A multipart field that is text, not a file."""
UploadParts = list[tuple[str, AttachmentUpload | TextPart]]


class ComplaintFiling(BaseModel):
    """What the regency sends to file a complaint upstream."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    content: str = Field(min_length=1)
    channel: int = 13
    classification_id: int
    disposition_id: int
    category_id: int
    location_id: int
    date_of_incident: WireDate
    tags: list[str] = []
    is_anonymous: WireBool = False
    is_secret: WireBool = False
    attachments: list[int] = []

    @field_validator("tags")
    @classmethod
    def _tags_have_no_commas(cls, tags: list[str]) -> list[str]:
        if any("," in tag for tag in tags):
            raise ValueError("a tag cannot contain a comma (tags_raw is comma-separated)")
        return [tag.strip() for tag in tags if tag.strip()]

    def tagged(self, tag: str) -> ComplaintFiling:
        """This filing with `tag` among its tags (added once)."""
        if "," in tag or not tag.strip():
            raise ValueError(f"not a usable tag: {tag!r}")
        if tag in self.tags:
            return self
        return self.model_copy(update={"tags": [*self.tags, tag]})

    def to_wire(self) -> dict[str, object]:
        """The JSON body of `POST /complaints/complaint`."""
        body = self.model_dump(mode="json", exclude={"tags", "attachments"})
        body["tags_raw"] = ",".join(self.tags)
        body["attachments"] = json.dumps(self.attachments, separators=(",", ":"))
        return body


class FollowUpPosting(BaseModel):
    """What the regency sends to post a follow-up upstream."""

    model_config = ConfigDict(extra="forbid")

    user_id: int
    institution_from_id: int
    institution_to_id: int
    complaint_id: int
    template_code: str | int = "tindak_lanjut"
    info_disposition: str = ""
    rating: int = 0
    is_secret: WireBool = False
    content: str = Field(min_length=1)

    def to_wire(self) -> UploadParts:
        """The multipart text fields of `POST /complaints/followup/add`, as integrators of the real
        gateway post them (the contract takes a form too; docs/national-api.md, "Follow-ups")."""
        return [(name, (None, str(value))) for name, value in self.model_dump(mode="json").items()]
