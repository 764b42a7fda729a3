"""Who may use each Open311 URL; collected by tests/test_permission_walk.py (see its docstring for the hooks).

The GeoReport v2 endpoints are public: the GETs answer anyone (with 保密 content hidden and personal data masked),
and POST requests.{fmt} authenticates by API key instead of a session (403 in the spec's error format without a
valid key; tested in test_api.py). The key pages belong to the office.
"""

from __future__ import annotations

from typing import Any

from yingshang.accounts.roles import Role

PUBLIC = "public"
OFFICE = frozenset({Role.COORDINATOR})

EXPECTED: dict = {
    "open311:services": PUBLIC,
    "open311:service_definition": PUBLIC,
    "open311:requests": PUBLIC,
    "open311:request_detail": PUBLIC,
    "open311:token": PUBLIC,
    "open311:key_list": OFFICE,
    "open311:key_create": OFFICE,
    "open311:key_revoke": OFFICE,
}
API_EXPECTED: dict = {}


def extend_world(world: dict[str, Any]) -> None:
    from yingshang.open311.services import api_key_create

    world["open311_key"], _ = api_key_create(name="走查用密钥", by=None)


def url_kwargs(name: str, world: dict[str, Any], user: Any) -> dict[str, Any] | None:
    if not name.startswith("open311:"):
        return None
    if name == "open311:key_revoke":
        return {"pk": world["open311_key"].pk}
    if name in ("open311:key_list", "open311:key_create"):
        return {}
    kwargs: dict[str, Any] = {"fmt": "json"}
    if name == "open311:service_definition":
        kwargs["service_code"] = "none"
    elif name == "open311:request_detail":
        kwargs["service_request_id"] = "SQ2026-000001"
    elif name == "open311:token":
        kwargs["token"] = "0" * 32
    return kwargs
