"""The side menu, by capability: a user sees only entries they may open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    cap: str | None = None
    roles: tuple[str, ...] = ()
    # Named attribute of the user that must be true (e.g. is_enterprise_admin), for entries finer than a role.
    user_flag: str | None = None


MENU: list[MenuItem] = [
    MenuItem("工作台", "core:home"),
    MenuItem("我的企业", "enterprises:mine", roles=("enterprise",)),
    MenuItem("企业库", "enterprises:list", cap="view_enterprise_registry"),
    MenuItem("企业导入", "enterprises:import_list", cap="import_enterprises"),
    MenuItem("企业账号", "accounts:team", roles=("enterprise",), user_flag="is_enterprise_admin"),
    MenuItem("消息中心", "core:inbox"),
    MenuItem("账号管理", "accounts:user_list", cap="manage_accounts"),
    MenuItem("部门管理", "accounts:department_list", cap="manage_departments"),
    MenuItem("工作日历", "core:calendar", cap="manage_calendar"),
    MenuItem("短信/邮件发件箱", "core:outbox", cap="read_outbox"),
    MenuItem("角色与权限", "accounts:security_users", cap="assign_roles"),
    MenuItem("审计日志", "core:audit_log", cap="read_audit_log"),
    MenuItem("账号安全", "accounts:security"),
]


def menu_for(user: Any) -> list[dict[str, str]]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    items = []
    for item in MENU:
        if item.cap and not user.has_cap(item.cap):
            continue
        if item.roles and user.role not in item.roles:
            continue
        if item.user_flag and not getattr(user, item.user_flag, False):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "url_name": item.url_name})
    return items
