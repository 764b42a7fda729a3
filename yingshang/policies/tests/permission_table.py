"""Who may use each URL and API operation of 惠企政策; collected by tests/test_permission_walk.py.

See that file's docstring for the hooks (EXPECTED, API_EXPECTED, API_PUBLIC, API_QUERY, extend_world,
url_kwargs, api_path, api_body).
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from yingshang.accounts.roles import Role

PUBLIC = "public"
ENTERPRISE_USERS = frozenset({Role.ENTERPRISE, "enterprise_admin"})
# Policy staff: the walk's department staff belong to the department that reviews the world's policy.
POLICY_STAFF = frozenset({Role.DEPARTMENT_STAFF, Role.COORDINATOR})
ALL = frozenset({*(r.value for r in Role), "enterprise_admin"})

EXPECTED: dict[str, Any] = {
    "policies:list": POLICY_STAFF,
    "policies:create": POLICY_STAFF,
    "policies:preview": POLICY_STAFF,
    "policies:detail": POLICY_STAFF,
    "policies:edit": POLICY_STAFF,
    "policies:publish": POLICY_STAFF,
    "policies:retire": POLICY_STAFF,
    "policies:rematch": POLICY_STAFF,
    "policies:version": POLICY_STAFF,
    "policies:cases": POLICY_STAFF,
    "policies:case_edit": POLICY_STAFF,
    "policies:case_delete": POLICY_STAFF,
    "policies:run": POLICY_STAFF,
    "policies:package": ENTERPRISE_USERS,
    "policies:package_supply": ENTERPRISE_USERS,
    "policies:subscribe": ENTERPRISE_USERS,
    "policies:interest": ENTERPRISE_USERS,
    "policies:apply": ENTERPRISE_USERS,
    "policies:my_applications": ENTERPRISE_USERS,
    "policies:application_detail": ENTERPRISE_USERS | POLICY_STAFF,
    "policies:application_supplement": ENTERPRISE_USERS,
    "policies:material": ENTERPRISE_USERS | POLICY_STAFF,
    "policies:review_list": POLICY_STAFF,
    "policies:application_review": POLICY_STAFF,
    "policies:application_disburse": POLICY_STAFF,
    "policies:application_announce": POLICY_STAFF,
    "policies:grant_list": POLICY_STAFF,
    "policies:grant_detail": POLICY_STAFF,
    "policies:grant_confirm": POLICY_STAFF,
    "policies:grant_revoke": POLICY_STAFF,
    "policies:grant_disburse": POLICY_STAFF,
    "policies:grant_announce": POLICY_STAFF,
    "policies:calculator": PUBLIC,
    "policies:announcements": PUBLIC,
    "policies:stats": POLICY_STAFF | {Role.LEADER},
    "policies:stats_export": POLICY_STAFF | {Role.LEADER},
}

API_EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/api/v1/policies/calculate"): ALL,
    ("GET", "/api/v1/policies/package"): ENTERPRISE_USERS,
}
# The public 政策计算器: anyone, without logging in.
API_PUBLIC: set[tuple[str, str]] = {("POST", "/api/v1/policies/calculate")}

RULE = {"all": [{"var": "employees", "op": "ge", "value": "10", "clause": "第二条"}]}
FORMULA = {"base": {"kind": "fixed", "amount": "50000"}, "rounding": {"unit": "fen", "mode": "half_up"}}


def extend_world(world: dict[str, Any]) -> None:
    from yingshang.policies.models import (
        Application,
        ApplicationMaterial,
        Grant,
        MatchRun,
        Policy,
        PolicyStatus,
        PolicyTestCase,
        PolicyVersion,
    )

    now = timezone.now()
    content = {
        "title": "权限测试补助政策",
        "reviewing_department": world["department"],
        "rule": RULE,
        "formula": FORMULA,
        "materials": [{"name": "申请表", "description": "", "original_required": False}],
    }
    policy = Policy.objects.create(created_by=world["target"], status=PolicyStatus.PUBLISHED, **content)
    version = PolicyVersion.objects.create(
        policy=policy, number=1, rule_hash="0" * 64, published_at=now, published_by=world["target"], **content
    )
    Policy.objects.filter(pk=policy.pk).update(current_version=version, has_unpublished_changes=False)
    case = PolicyTestCase.objects.create(
        policy=policy,
        name="五十人企业",
        facts={"employees": "50"},
        expected_verdict="eligible",
        expected_amount_fen=5000000,
    )
    run = MatchRun.objects.create(version=version, decision_date=now.date(), status="done")
    application = Application.objects.create(
        policy=policy, version=version, enterprise=world["own"], submitted_by=world["admin_a"], submitted_at=now
    )
    material = ApplicationMaterial(
        application=application,
        material_index=0,
        original_name="申请表.pdf",
        size=9,
        sha256="0" * 64,
        uploaded_by=world["admin_a"],
    )
    material.file.save("walk.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    material.save()
    grant = Grant.objects.create(
        policy=policy,
        version=version,
        enterprise=world["own"],
        year=now.year,
        computed_fen=5000000,
        amount_fen=5000000,
        rule_hash="0" * 64,
        decision_date=now.date(),
    )
    world.update(
        policy=policy,
        policy_version=version,
        policy_case=case,
        policy_run=run,
        policy_application=application,
        policy_material=material,
        policy_grant=grant,
    )


def url_kwargs(name: str, world: dict[str, Any], user: Any) -> dict[str, Any] | None:
    if not name.startswith("policies:"):
        return None
    short = name.split(":", 1)[1]
    if short in {"detail", "edit", "publish", "retire", "rematch", "cases", "interest", "apply"}:
        return {"pk": world["policy"].pk}
    if short == "version":
        return {"pk": world["policy"].pk, "number": 1}
    if short in {"case_edit", "case_delete"}:
        return {"pk": world["policy"].pk, "case_pk": world["policy_case"].pk}
    if short == "run":
        return {"pk": world["policy_run"].pk}
    if short.startswith("application_"):
        return {"pk": world["policy_application"].pk}
    if short == "material":
        return {"pk": world["policy_material"].pk}
    if short.startswith("grant_") and short != "grant_list":
        return {"pk": world["policy_grant"].pk}
    return {}


def api_body(method: str, path: str, world: dict[str, Any]) -> dict[str, Any] | None:
    if path == "/api/v1/policies/calculate":
        return {"facts": {"employees": "50"}}
    return None
