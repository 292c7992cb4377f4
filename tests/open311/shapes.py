"""GeoReport v2 shapes, checked field by field (names and types), in JSON and in XML."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

SERVICE = {"service_code": str, "service_name": str, "description": str, "metadata": bool, "type": str,
           "keywords": str, "group": str}  # fmt: skip
ATTRIBUTE = {"variable": bool, "code": str, "datatype": str, "required": bool, "datatype_description": str,
             "order": int, "description": str}  # fmt: skip
REQUEST = {
    "service_request_id": str, "status": str, "status_notes": str, "service_name": str, "service_code": str,
    "description": str, "agency_responsible": str, "service_notice": str, "requested_datetime": str,
    "updated_datetime": str, "expected_datetime": (str, type(None)), "address": str, "address_id": str,
    "zipcode": str, "lat": (float, type(None)), "long": (float, type(None)), "media_url": str,
}  # fmt: skip
UPDATE = {"update_id": str, "service_request_id": str, "status": str, "updated_datetime": str,
          "description": str, "media_url": str, "external_status_code": str}  # fmt: skip
ERROR = {"code": int, "description": str}
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


def check(item: dict[str, Any], shape: dict[str, Any], extra: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """Exactly the shape's fields (plus `extra`), each of its type."""
    assert set(item) == set(shape) | extra, set(item) ^ (set(shape) | extra)
    for name, kind in shape.items():
        assert isinstance(item[name], kind), (name, item[name])


def check_request(item: dict[str, Any], extensions: bool = False) -> None:
    """A service request: spec fields, open/closed, datetimes with offsets."""
    check(item, REQUEST, {"extended_attributes"} if extensions else set())
    assert item["status"] in ("open", "closed")
    for name in ("requested_datetime", "updated_datetime"):
        assert item[name][-6] in "+-" and item[name][-3] == ":", item[name]


def xml_children(element: ET.Element, item: str) -> list[ET.Element]:
    """A list element's items, asserting every child is named `item`."""
    children = list(element)
    assert all(child.tag == item for child in children), [c.tag for c in children]
    return children


def xml_fields(element: ET.Element, shape: dict[str, Any], extra: set[str] = frozenset()) -> dict[str, str]:  # type: ignore[assignment]
    """A flat XML item: exactly the shape's elements (plus `extra`), as text."""
    names = [child.tag for child in element]
    assert set(names) == set(shape) | extra and len(names) == len(set(names)), names
    return {child.tag: child.text or "" for child in element if not len(child)}
