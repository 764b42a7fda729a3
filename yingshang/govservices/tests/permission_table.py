"""Who may use each URL and API operation of 政务服务; collected by tests/test_permission_walk.py.

See that file's docstring for the hooks (EXPECTED, API_EXPECTED, API_PUBLIC, API_QUERY, extend_world,
url_kwargs, api_path, api_body).

In the walk's world the department of the staff actors is made a front-desk window, so department staff are both
window clerks and the back office of the world's case; the tests of this app check the two apart.
"""

from __future__ import annotations

from typing import Any

from yingshang.accounts.roles import Role

PUBLIC = "public"
ENTERPRISE_ADMIN = "enterprise_admin"
ENTERPRISE_USERS = frozenset({Role.ENTERPRISE, ENTERPRISE_ADMIN})
STAFF = frozenset({Role.DEPARTMENT_STAFF})
OFFICE = frozenset({Role.COORDINATOR})
STATS = frozenset({Role.COORDINATOR, Role.LEADER})
CASE_READERS = ENTERPRISE_USERS | STAFF | STATS
AGENCY_READERS = ENTERPRISE_USERS | STAFF | STATS | frozenset({Role.LIAISON})

EXPECTED: dict[str, frozenset[str] | str] = {
    "govservices:guide_list": PUBLIC,
    "govservices:guide": PUBLIC,
    "govservices:notice": PUBLIC,
    "govservices:bundle_list": PUBLIC,
    "govservices:bundle_detail": PUBLIC,
    "govservices:bundle_notice": PUBLIC,
    "govservices:item_manage_list": OFFICE,
    "govservices:item_create": OFFICE,
    "govservices:item_edit": OFFICE,
    "govservices:bundle_create": OFFICE,
    "govservices:bundle_edit": OFFICE,
    "govservices:windows": OFFICE,
    "govservices:catalogue_import": OFFICE,
    "govservices:catalogue_export": OFFICE,
    "govservices:case_list": CASE_READERS,
    "govservices:case_new": STAFF,
    "govservices:case_apply": ENTERPRISE_USERS,
    "govservices:case_detail": CASE_READERS,
    "govservices:case_accept_online": STAFF,
    "govservices:material_supply": ENTERPRISE_USERS | STAFF,
    "govservices:material_file": CASE_READERS,
    "govservices:material_verify": STAFF,
    "govservices:task_decide": STAFF,
    "govservices:case_correct": ENTERPRISE_USERS | STAFF,
    "govservices:case_issue": STAFF,
    "govservices:case_collect": ENTERPRISE_USERS | STAFF,
    "govservices:case_rate": ENTERPRISE_USERS,
    "govservices:rectification_list": STAFF | STATS,
    "govservices:rectification_answer": STAFF,
    "govservices:breach_list": STAFF | STATS,
    "govservices:agency_list": AGENCY_READERS,
    "govservices:agency_new": ENTERPRISE_USERS,
    # Enterprise users see their own request; the office and leaders see all; agents only what they are assigned, and
    # in the walk the request is assigned to a liaison of its own, so staff actors (new accounts) are refused.
    "govservices:agency_detail": ENTERPRISE_USERS | STATS,
    "govservices:agency_assign": OFFICE,
    "govservices:agency_step": frozenset(),
    "govservices:stats": STATS,
    "govservices:stats_export": STATS,
}

ALL = frozenset({*(r.value for r in Role), ENTERPRISE_ADMIN})
API_EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/api/v1/services/items"): ALL,
    ("GET", "/api/v1/services/items/{item_id}"): ALL,
    ("GET", "/api/v1/services/bundles"): ALL,
    ("GET", "/api/v1/services/cases"): CASE_READERS,
    ("GET", "/api/v1/services/cases/{case_id}"): CASE_READERS,
}
# The catalogue is the public 办事指南.
API_PUBLIC: set[tuple[str, str]] = {
    ("GET", "/api/v1/services/items"),
    ("GET", "/api/v1/services/items/{item_id}"),
    ("GET", "/api/v1/services/bundles"),
}
API_QUERY: dict[str, dict[str, str | int]] = {"/api/v1/services/items": {"q": "W-ITEM"}}


def extend_world(world: dict[str, Any]) -> None:
    from yingshang.accounts.tests.factories import UserFactory

    from ..models import MaterialStatus, Rating, Rectification, ServiceWindow
    from .factories import (
        AgencyRequestFactory,
        ServiceItemFactory,
        make_bundle,
        make_case,
    )

    department = world["department"]
    ServiceWindow.objects.create(department=department, name="综合受理窗口")
    item = ServiceItemFactory.create(department=department, code="W-ITEM-1")
    other_item = ServiceItemFactory.create(department=department, code="W-ITEM-2")
    bundle = make_bundle([item, other_item], lead_department=department)
    case = make_case(item=item, enterprise=world["own"], clerk=world["target"])
    other_case = make_case(item=item, enterprise=world["other"], clerk=world["target"])
    material = case.materials.first()
    assert material is not None and material.file
    material.status = MaterialStatus.MISSING
    material.may_be_missing = True
    material.save()
    rating = Rating.objects.create(case=case, score=1, rated_by=world["admin_a"])
    rectification = Rectification.objects.create(rating=rating, department=department, due_date="2027-01-29")
    liaison = UserFactory.create(role=Role.LIAISON, username="walk_agent")
    agency = AgencyRequestFactory.create(enterprise=world["own"], requested_by=world["admin_a"], agent=liaison)
    world.update(
        {
            "gs_item": item,
            "gs_bundle": bundle,
            "gs_case": case,
            "gs_other_case": other_case,
            "gs_material": material,
            "gs_task": case.tasks.first(),
            "gs_rectification": rectification,
            "gs_agency": agency,
        }
    )


def url_kwargs(name: str, world: dict[str, Any], user: Any) -> dict[str, Any] | None:
    if not name.startswith("govservices:"):
        return None
    short = name.split(":", 1)[1]
    if short in {"guide", "notice", "item_edit"}:
        return {"pk": world["gs_item"].pk}
    if short in {"bundle_detail", "bundle_notice", "bundle_edit"}:
        return {"pk": world["gs_bundle"].pk}
    if short in {"case_detail", "case_accept_online", "case_correct", "case_issue", "case_collect", "case_rate"}:
        return {"pk": world["gs_case"].pk}
    if short in {"material_supply", "material_file", "material_verify"}:
        return {"pk": world["gs_case"].pk, "mpk": world["gs_material"].pk}
    if short == "task_decide":
        return {"pk": world["gs_case"].pk, "tpk": world["gs_task"].pk}
    if short == "rectification_answer":
        return {"pk": world["gs_rectification"].pk}
    if short in {"agency_detail", "agency_assign", "agency_step"}:
        return {"pk": world["gs_agency"].pk}
    return {}


def api_path(path: str, world: dict[str, Any], enterprise: Any) -> str:
    """The world's case belongs to "own"; when the walk asks for "other", a case of the other enterprise."""
    if "{case_id}" in path:
        case = world["gs_case"] if enterprise == world["own"] else world["gs_other_case"]
        path = path.replace("{case_id}", str(case.pk))
    return path.replace("{item_id}", str(world["gs_item"].pk))
