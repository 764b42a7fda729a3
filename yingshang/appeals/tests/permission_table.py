"""Who may use each URL and API operation of 企业诉求; collected by tests/test_permission_walk.py.

See that file's docstring for the hooks (EXPECTED, API_EXPECTED, API_PUBLIC, API_QUERY, extend_world,
url_kwargs, api_path, api_body).

The world holds one appeal of the "own" enterprise per state, all assigned to the walk's "department", so each
transition finds an appeal it can move: an allowed caller gets 200/201, everyone else 403/404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.files.base import ContentFile

from yingshang.accounts.roles import Role

ENTERPRISE_USERS = frozenset({Role.ENTERPRISE, "enterprise_admin"})
OFFICE = frozenset({Role.COORDINATOR})
DEPARTMENT = frozenset({Role.DEPARTMENT_STAFF})
RECORDERS = frozenset({Role.LIAISON, Role.COORDINATOR})
STATS = frozenset({Role.COORDINATOR, Role.LEADER})
STAFF_LEDGER = frozenset({Role.DEPARTMENT_STAFF, Role.LIAISON, Role.COORDINATOR, Role.LEADER})
# Who sees the world's appeal: its enterprise, the office, leaders and the department it is assigned to.
APPEAL_VIEWERS = ENTERPRISE_USERS | frozenset({Role.COORDINATOR, Role.LEADER, Role.DEPARTMENT_STAFF})
APPEAL_USERS = ENTERPRISE_USERS | STAFF_LEDGER

EXPECTED: dict[str, Any] = {
    "appeals:mine": ENTERPRISE_USERS,
    "appeals:new": ENTERPRISE_USERS,
    "appeals:record": RECORDERS,
    "appeals:inbox": DEPARTMENT,
    "appeals:office": OFFICE,
    "appeals:ledger": STAFF_LEDGER,
    "appeals:ledger_export": STATS,
    "appeals:meetings": RECORDERS,
    "appeals:meeting_new": RECORDERS,
    "appeals:meeting_detail": RECORDERS,
    "appeals:categories": OFFICE,
    "appeals:category_new": OFFICE,
    "appeals:category_edit": OFFICE,
    "appeals:statistics": STATS,
    "appeals:ranking": STATS,
    "appeals:ranking_publish": OFFICE,
    "appeals:detail": APPEAL_VIEWERS,
    "appeals:attachment": APPEAL_VIEWERS,
    # Nobody in the walk holds the personal-data permission.
    "appeals:phone_reveal": frozenset(),
    "appeals:dispatch": OFFICE,
    "appeals:sign": DEPARTMENT,
    "appeals:return": DEPARTMENT,
    "appeals:reply": DEPARTMENT,
    "appeals:extension": DEPARTMENT,
    "appeals:suspension": DEPARTMENT,
    "appeals:decide": OFFICE,
    "appeals:resume": OFFICE | DEPARTMENT,
    "appeals:supervise": OFFICE,
    "appeals:remind": OFFICE,
    "appeals:supervision_reply": DEPARTMENT,
    "appeals:review": OFFICE,
    "appeals:follow_up": OFFICE,
    "appeals:rate": ENTERPRISE_USERS,
    "appeals:merge": OFFICE,
    "appeals:exclude": OFFICE,
}

P = "/api/v1/appeals"
API_EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", f"{P}/categories"): APPEAL_USERS,
    ("GET", f"{P}/"): APPEAL_USERS,
    ("POST", f"{P}/"): ENTERPRISE_USERS | RECORDERS,
    ("POST", f"{P}/intake/12345"): RECORDERS,
    ("GET", f"{P}/{{appeal_id}}"): APPEAL_VIEWERS,
    ("POST", f"{P}/{{appeal_id}}/dispatch"): OFFICE,
    ("POST", f"{P}/{{appeal_id}}/sign"): DEPARTMENT,
    ("POST", f"{P}/{{appeal_id}}/return"): DEPARTMENT,
    ("POST", f"{P}/{{appeal_id}}/reply"): DEPARTMENT,
    ("POST", f"{P}/{{appeal_id}}/review"): OFFICE,
    ("POST", f"{P}/{{appeal_id}}/follow-up"): OFFICE | ENTERPRISE_USERS,
}

# Which world appeal each API transition acts on (the one in the state it needs).
_API_APPEAL = {
    "/dispatch": "appeal_submitted",
    "/sign": "appeal_dispatched",
    "/return": "appeal_dispatched",
    "/reply": "appeal_handling",
    "/review": "appeal_replied",
    "/follow-up": "appeal_reviewed",
}


def extend_world(world: dict[str, Any]) -> None:
    """Appeals in each state, written directly (the walk builds a world per test, so this must be cheap)."""
    from django.utils import timezone

    from yingshang.appeals.models import (
        Appeal,
        AppealAttachment,
        AppealState,
        Assignment,
        AssignmentRole,
        AssignmentState,
        Meeting,
        MeetingKind,
    )
    from yingshang.appeals.tests.factories import AppealCategoryFactory, office_user

    office = office_user(username="appeals_office")
    category = AppealCategoryFactory.create(code="walk", name="用地用能", default_department=world["department"])
    now, today = timezone.now(), timezone.localdate()
    appeals = {}
    for index, (key, state) in enumerate(
        [
            ("appeal_submitted", AppealState.SUBMITTED),
            ("appeal_dispatched", AppealState.DISPATCHED),
            ("appeal_handling", AppealState.HANDLING),
            ("appeal_replied", AppealState.REPLIED),
            ("appeal_reviewed", AppealState.REVIEWED),
        ],
        start=1,
    ):
        appeal = Appeal.objects.create(
            number=f"SQ{today.year}-9{index:05d}",
            enterprise=world["own"],
            enterprise_name=world["own"].name,
            category=category,
            title=f"权限遍历诉求{index}",
            description="权限遍历用诉求",
            state=state,
            filed_by=world["admin_a"],
            contact_phone="13800001111",
            created_at=now,
            deadline=today,
            handle_deadline=today,
            lead_department=None if state == AppealState.SUBMITTED else world["department"],
        )
        if state != AppealState.SUBMITTED:
            Assignment.objects.create(
                appeal=appeal,
                department=world["department"],
                role=AssignmentRole.LEAD,
                state=AssignmentState.PENDING if state == AppealState.DISPATCHED else AssignmentState.SIGNED,
                dispatched_at=now,
                dispatched_by=office,
                sign_deadline=today,
                signed_at=None if state == AppealState.DISPATCHED else now,
            )
        appeals[key] = appeal
    attachment = AppealAttachment(appeal=appeals["appeal_dispatched"], original_name="说明.txt", size=5)
    attachment.file.save("说明.txt", ContentFile(b"hello"), save=False)
    attachment.save()
    meeting = Meeting.objects.create(
        kind=MeetingKind.TEA, title="政企茶叙会", held_on=date(2026, 11, 5), created_by=office
    )
    world.update(
        {
            **appeals,
            "appeal": appeals["appeal_dispatched"],
            "appeal_attachment": attachment,
            "appeal_category": category,
            "appeal_meeting": meeting,
        }
    )


def url_kwargs(name: str, world: dict[str, Any], user: Any) -> dict[str, Any] | None:
    if not name.startswith("appeals:"):
        return None
    if name == "appeals:meeting_detail":
        return {"pk": world["appeal_meeting"].pk}
    if name == "appeals:category_edit":
        return {"pk": world["appeal_category"].pk}
    if name == "appeals:attachment":
        return {"pk": world["appeal"].pk, "attachment_id": world["appeal_attachment"].pk}
    if name in EXPECTED and name not in {
        "appeals:mine",
        "appeals:new",
        "appeals:record",
        "appeals:inbox",
        "appeals:office",
        "appeals:ledger",
        "appeals:ledger_export",
        "appeals:meetings",
        "appeals:meeting_new",
        "appeals:categories",
        "appeals:category_new",
        "appeals:statistics",
        "appeals:ranking",
        "appeals:ranking_publish",
    }:
        return {"pk": world["appeal"].pk}
    return {}


def api_path(url: str, world: dict[str, Any], enterprise: Any) -> str:
    if "{appeal_id}" not in url:
        return url
    key = next((v for suffix, v in _API_APPEAL.items() if url.endswith(suffix)), "appeal")
    return url.replace("{appeal_id}", str(world[key].pk))


def api_body(method: str, path: str, world: dict[str, Any]) -> dict[str, Any] | None:
    if not path.startswith(P) or method != "POST":
        return None
    if path == f"{P}/":
        return {
            "category_id": world["appeal_category"].pk,
            "title": "接口提交的诉求",
            "description": "用电增容",
            "enterprise_id": world["own"].pk,
        }
    if path == f"{P}/intake/12345":
        return {
            "external_id": "GD-WALK-1",
            "category_code": "walk",
            "title": "12345 转办",
            "description": "物流通行",
            "enterprise_name": "未入库企业",
        }
    key = next((v for suffix, v in _API_APPEAL.items() if path.endswith(suffix)), "appeal")
    appeal = world[key]
    body: dict[str, Any] = {"version": appeal.version}
    if path.endswith("/dispatch"):
        body["lead_department_id"] = world["department"].pk
    elif path.endswith("/return"):
        body["reason"] = "不属本部门职责"
    elif path.endswith("/reply"):
        body["content"] = "已办理完毕"
    elif path.endswith("/review"):
        body.update({"approve": True, "comment": ""})
    elif path.endswith("/follow-up"):
        body.update({"reached": True, "resolution": "solved", "rating": 5})
    return body
