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


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
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
