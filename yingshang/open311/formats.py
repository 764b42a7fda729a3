"""GeoReport v2 response bodies in JSON and XML, and its error format (a list of code/description)."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def _xml_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, list):
        # Lists of dicts nest one level: <values><value>…</value></values>, <attributes><attribute>…
        singular = name[:-1] if name.endswith("s") else name
        for item in value:
            child = ET.SubElement(element, singular)
            for key, inner in item.items():
                _append(child, key, inner)
    elif isinstance(value, dict):
        for key, inner in value.items():
            _append(element, key, inner)
    else:
        element.text = _xml_value(value)


def to_xml(root: str, item: str | None, payload: Any) -> bytes:
    """`to_xml("services", "service", [..])` → <services><service>…</service></services>; item None: one object."""
    element = ET.Element(root)
    if item is None:
        for key, value in payload.items():
            _append(element, key, value)
    else:
        for row in payload:
            child = ET.SubElement(element, item)
            for key, value in row.items():
                _append(child, key, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")


def respond(fmt: str, payload: Any, *, root: str, item: str | None, status: int = 200) -> HttpResponse:
    body = to_xml(root, item, payload) if fmt == "xml" else json.dumps(payload, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, status: int, description: str) -> HttpResponse:
    """[{"code": 403, "description": "…"}] / <errors><error><code>403</code><description>…"""
    return respond(fmt, [{"code": status, "description": description}], root="errors", item="error", status=status)
