"""National LAPOR wire models: the JSON shapes of `docs/national-api.md`, and nothing else.

This package is the one place where the wire's conventions are translated: the `results`
envelope, `0`/`1` booleans, and `DD-MM-YYYY HH:MM:SS` Jakarta local time (WIB, UTC+7) to and
from UTC. `conventions` holds those value types, `incoming` the answers LAPOR gives (unknown
fields kept, status codes kept raw), `outgoing` the bodies the regency sends. Import the names
from here.
"""

from app.sync.wire.conventions import (
    WIB,
    WIRE_DATE_FORMAT,
    WIRE_DATETIME_FORMAT,
    WireBool,
    WireDate,
    WireDateTime,
    format_wire_date,
    format_wire_datetime,
    parse_wire_date,
    parse_wire_datetime,
    read_wire_date,
    read_wire_datetime,
    wire_int,
)
from app.sync.wire.incoming import (
    PLACEHOLDER,
    Category,
    CategoryPage,
    ComplaintDetail,
    ComplaintPage,
    Envelope,
    FollowUpAttachment,
    FollowUpPage,
    Institution,
    InstitutionPage,
    InstitutionRef,
    LogEntry,
    NationalComplaint,
    NationalFollowUp,
    Page,
    Reporter,
    StatusRef,
    WireModel,
)
from app.sync.wire.outgoing import ComplaintFiling, FollowUpPosting
from app.sync.wire.replies import (
    FiledComplaint,
    FiledRef,
    PostedFollowUp,
    PostedRef,
    RejectedComplaint,
    UploadedDoc,
    UploadedDocs,
)

__all__ = [
    "PLACEHOLDER",
    "WIB",
    "WIRE_DATETIME_FORMAT",
    "WIRE_DATE_FORMAT",
    "Category",
    "CategoryPage",
    "ComplaintDetail",
    "ComplaintFiling",
    "ComplaintPage",
    "Envelope",
    "FiledComplaint",
    "FiledRef",
    "FollowUpAttachment",
    "FollowUpPage",
    "FollowUpPosting",
    "Institution",
    "InstitutionPage",
    "InstitutionRef",
    "LogEntry",
    "NationalComplaint",
    "NationalFollowUp",
    "Page",
    "PostedFollowUp",
    "PostedRef",
    "RejectedComplaint",
    "Reporter",
    "StatusRef",
    "UploadedDoc",
    "UploadedDocs",
    "WireBool",
    "WireDate",
    "WireDateTime",
    "WireModel",
    "format_wire_date",
    "format_wire_datetime",
    "parse_wire_date",
    "parse_wire_datetime",
    "read_wire_date",
    "read_wire_datetime",
    "wire_int",
]
