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
    # Position in the menu; apps contribute entries through their AppConfig.menu_items.
    order: int = 0


# Orders: 100s the enterprise registry, 200s policies, 300s appeals, 400s government services, 500s the assistant,
# 800s messages and administration, 900s the account itself.
MENU: list[MenuItem] = [
    MenuItem("工作台", "core:home", order=0),
    MenuItem("我的企业", "enterprises:mine", roles=("enterprise",), order=100),
    MenuItem("企业库", "enterprises:list", cap="view_enterprise_registry", order=110),
    MenuItem("企业导入", "enterprises:import_list", cap="import_enterprises", order=120),
    MenuItem("企业账号", "accounts:team", roles=("enterprise",), user_flag="is_enterprise_admin", order=130),
    MenuItem("消息中心", "core:inbox", order=800),
    MenuItem("账号管理", "accounts:user_list", cap="manage_accounts", order=810),
    MenuItem("部门管理", "accounts:department_list", cap="manage_departments", order=820),
    MenuItem("工作日历", "core:calendar", cap="manage_calendar", order=830),
    MenuItem("短信/邮件发件箱", "core:outbox", cap="read_outbox", order=840),
    MenuItem("角色与权限", "accounts:security_users", cap="assign_roles", order=850),
    MenuItem("审计日志", "core:audit_log", cap="read_audit_log", order=860),
    MenuItem("账号安全", "accounts:security", order=900),
]


def all_menu_items() -> list[MenuItem]:
    """The core entries and every installed app's `menu_items`, in menu order (stable within one order)."""
    from django.apps import apps

    items = list(MENU)
    for config in apps.get_app_configs():
        items.extend(getattr(config, "menu_items", []))
    return sorted(items, key=lambda item: item.order)


def menu_for(user: Any) -> list[dict[str, str]]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    items = []
    for item in all_menu_items():
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
