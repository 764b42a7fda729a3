"""Roles and what each may do. One role per account, so the three administrator roles can never be combined."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    ENTERPRISE = "enterprise", "企业用户"
    DEPARTMENT_STAFF = "department_staff", "部门工作人员"
    LIAISON = "liaison", "服务专员"
    COORDINATOR = "coordinator", "营商办协调员"
    LEADER = "leader", "领导(只读)"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDITOR = "auditor", "安全审计员"


# 三权分立: these three are kept apart; each account holds exactly one role, so no account can hold two of them.
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})
STAFF_ROLES = frozenset(set(Role) - {Role.ENTERPRISE})
# What the system administrator may give; the three administrator roles are the security administrator's to assign.
BUSINESS_ROLES = frozenset(set(Role) - ADMIN_ROLES)


class Cap:
    """Capabilities. Checked in views, API and selectors; never inferred from Django's is_superuser."""

    VIEW_ENTERPRISE_REGISTRY = "view_enterprise_registry"
    EDIT_ENTERPRISES = "edit_enterprises"
    IMPORT_ENTERPRISES = "import_enterprises"
    EXPORT_ENTERPRISES = "export_enterprises"
    MANAGE_ACCOUNTS = "manage_accounts"
    MANAGE_DEPARTMENTS = "manage_departments"
    MANAGE_CALENDAR = "manage_calendar"
    READ_OUTBOX = "read_outbox"
    ASSIGN_ROLES = "assign_roles"
    GRANT_UNMASK = "grant_unmask"
    UNLOCK_ACCOUNTS = "unlock_accounts"
    READ_AUDIT_LOG = "read_audit_log"
    VIEW_DASHBOARD = "view_dashboard"

    # ---- 惠企政策 (yingshang.policies): edit only this block for policy capabilities ----
    MANAGE_POLICIES = "manage_policies"
    REVIEW_POLICY_APPLICATIONS = "review_policy_applications"
    VIEW_POLICY_STATS = "view_policy_stats"

    # ---- 企业诉求 (yingshang.appeals) ----
    RECORD_APPEALS = "record_appeals"
    DISPATCH_APPEALS = "dispatch_appeals"
    HANDLE_APPEALS = "handle_appeals"
    VIEW_APPEAL_STATS = "view_appeal_stats"

    # ---- 政务服务 (yingshang.govservices) ----
    MANAGE_SERVICE_CATALOGUE = "manage_service_catalogue"
    HANDLE_SERVICE_CASES = "handle_service_cases"
    VIEW_SERVICE_STATS = "view_service_stats"
    ASSIGN_SERVICE_AGENTS = "assign_service_agents"
    ACT_AS_SERVICE_AGENT = "act_as_service_agent"

    # ---- 智能问答 (yingshang.assistant) ----
    MANAGE_KNOWLEDGE = "manage_knowledge"


_PLATFORM: dict[str, frozenset[str]] = {
    Role.ENTERPRISE: frozenset(),
    Role.DEPARTMENT_STAFF: frozenset({Cap.VIEW_ENTERPRISE_REGISTRY}),
    Role.LIAISON: frozenset({Cap.VIEW_ENTERPRISE_REGISTRY}),
    Role.COORDINATOR: frozenset(
        {
            Cap.VIEW_ENTERPRISE_REGISTRY,
            Cap.EDIT_ENTERPRISES,
            Cap.IMPORT_ENTERPRISES,
            Cap.EXPORT_ENTERPRISES,
            Cap.VIEW_DASHBOARD,
        }
    ),
    Role.LEADER: frozenset({Cap.VIEW_ENTERPRISE_REGISTRY, Cap.VIEW_DASHBOARD, Cap.EXPORT_ENTERPRISES}),
    Role.SYSTEM_ADMIN: frozenset({Cap.MANAGE_ACCOUNTS, Cap.MANAGE_DEPARTMENTS, Cap.MANAGE_CALENDAR, Cap.READ_OUTBOX}),
    Role.SECURITY_ADMIN: frozenset({Cap.ASSIGN_ROLES, Cap.GRANT_UNMASK, Cap.UNLOCK_ACCOUNTS}),
    Role.AUDITOR: frozenset({Cap.READ_AUDIT_LOG}),
}

# Each module's grants, merged below. A module edits only its own table.
_POLICIES: dict[str, frozenset[str]] = {
    Role.DEPARTMENT_STAFF: frozenset({Cap.MANAGE_POLICIES, Cap.REVIEW_POLICY_APPLICATIONS, Cap.VIEW_POLICY_STATS}),
    Role.COORDINATOR: frozenset({Cap.MANAGE_POLICIES, Cap.REVIEW_POLICY_APPLICATIONS, Cap.VIEW_POLICY_STATS}),
    Role.LEADER: frozenset({Cap.VIEW_POLICY_STATS}),
}
_APPEALS: dict[str, frozenset[str]] = {
    Role.DEPARTMENT_STAFF: frozenset({Cap.HANDLE_APPEALS}),
    Role.LIAISON: frozenset({Cap.RECORD_APPEALS}),
    Role.COORDINATOR: frozenset({Cap.RECORD_APPEALS, Cap.DISPATCH_APPEALS, Cap.VIEW_APPEAL_STATS}),
    Role.LEADER: frozenset({Cap.VIEW_APPEAL_STATS}),
}
_GOVSERVICES: dict[str, frozenset[str]] = {
    Role.DEPARTMENT_STAFF: frozenset({Cap.HANDLE_SERVICE_CASES, Cap.ACT_AS_SERVICE_AGENT}),
    Role.LIAISON: frozenset({Cap.ACT_AS_SERVICE_AGENT}),
    Role.COORDINATOR: frozenset({Cap.MANAGE_SERVICE_CATALOGUE, Cap.VIEW_SERVICE_STATS, Cap.ASSIGN_SERVICE_AGENTS}),
    Role.LEADER: frozenset({Cap.VIEW_SERVICE_STATS}),
}
_ASSISTANT: dict[str, frozenset[str]] = {
    Role.COORDINATOR: frozenset({Cap.MANAGE_KNOWLEDGE}),
}


def _merge(*tables: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    merged: dict[str, frozenset[str]] = {role: frozenset() for role in Role}
    for table in tables:
        for role, caps in table.items():
            merged[role] = merged[role] | caps
    return merged


ROLE_CAPABILITIES: dict[str, frozenset[str]] = _merge(_PLATFORM, _POLICIES, _APPEALS, _GOVSERVICES, _ASSISTANT)
