"""安全管理员: assigns roles (admin roles included, never their own), the unmask permission, unlocks. 三权分立."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from yingshang.accounts import services
from yingshang.accounts.roles import Cap, Role
from yingshang.core.audit import Action
from yingshang.core.errors import PermissionDeniedError

from .helpers import audit_rows, logged_in_user_id, post_login, queries_to_render

pytestmark = pytest.mark.django_db


def _change_role(client: Client, user, role: str, **extra):
    return client.post(reverse("accounts:security_user_role", args=[user.pk]), {"role": role, **extra})


def _row(page: str, username: str) -> str:
    """The table row of `username` (the role filter above the table names every role too)."""
    match = re.search(rf"<tr>\s*<td>{re.escape(username)}</td>.*?</tr>", page, re.S)
    assert match, f"no row for {username}"
    return match.group(0)


def test_the_list_shows_every_account_with_its_role(client_as, secadmin, sysadmin, battery_clerk) -> None:
    page = client_as(secadmin).get(reverse("accounts:security_users")).content.decode()

    assert "sys_li" in page
    assert "系统管理员" in page
    assert "battery_clerk" in page
    assert "企业用户" in page
    assert '<span class="badge text-bg-warning">系统管理员</span>' in _row(page, "sys_li")
    assert "<td>企业用户</td>" in _row(page, "battery_clerk")
    assert "荆门新能源电池有限公司" in _row(page, "battery_clerk")
    assert "139****0001" in _row(page, "battery_clerk")
    assert "13912340001" not in page


def test_changing_a_role_is_audited_from_and_to(client_as, secadmin, coordinator_zhang) -> None:
    response = _change_role(client_as(secadmin), coordinator_zhang, Role.LEADER)

    assert response.status_code == 302
    coordinator_zhang.refresh_from_db()
    assert coordinator_zhang.role == Role.LEADER
    (row,) = audit_rows(Action.ROLE_CHANGED)
    assert row.user == secadmin
    assert row.object_id == str(coordinator_zhang.pk)
    assert row.detail["from"] == Role.COORDINATOR
    assert row.detail["to"] == Role.LEADER


def test_every_role_change_writes_its_own_audit_row(client_as, secadmin, coordinator_zhang) -> None:
    client = client_as(secadmin)

    for role in (Role.LEADER, Role.LIAISON, Role.AUDITOR):
        _change_role(client, coordinator_zhang, role)

    rows = audit_rows(Action.ROLE_CHANGED)
    assert [(r.detail["from"], r.detail["to"]) for r in rows] == [
        (Role.COORDINATOR, Role.LEADER),
        (Role.LEADER, Role.LIAISON),
        (Role.LIAISON, Role.AUDITOR),
    ]


@pytest.mark.parametrize("admin_role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR])
def test_the_security_admin_may_assign_administrator_roles(
    client_as, secadmin, coordinator_zhang, admin_role: str
) -> None:
    _change_role(client_as(secadmin), coordinator_zhang, admin_role)

    coordinator_zhang.refresh_from_db()
    assert coordinator_zhang.role == admin_role


def test_a_new_role_replaces_the_old_one_so_no_account_holds_two_admin_roles(client_as, secadmin, sysadmin) -> None:
    _change_role(client_as(secadmin), sysadmin, Role.AUDITOR)

    sysadmin.refresh_from_db()
    assert sysadmin.has_cap(Cap.READ_AUDIT_LOG)
    assert not sysadmin.has_cap(Cap.MANAGE_ACCOUNTS)


def test_the_security_admin_cannot_change_their_own_role(client_as, secadmin) -> None:
    response = _change_role(client_as(secadmin), secadmin, Role.SYSTEM_ADMIN)

    assert "不能修改自己的角色" in response.content.decode()
    secadmin.refresh_from_db()
    assert secadmin.role == Role.SECURITY_ADMIN
    assert not audit_rows(Action.ROLE_CHANGED)


def test_the_role_service_refuses_a_change_of_ones_own_role(secadmin) -> None:
    with pytest.raises(PermissionDeniedError):
        services.user_role_change(user=secadmin, role=Role.AUDITOR, by=secadmin)


def test_an_enterprise_role_needs_an_enterprise(client_as, secadmin, coordinator_zhang) -> None:
    response = _change_role(client_as(secadmin), coordinator_zhang, Role.ENTERPRISE)

    assert "企业用户必须绑定所属企业" in response.content.decode()
    coordinator_zhang.refresh_from_db()
    assert coordinator_zhang.role == Role.COORDINATOR


def test_an_enterprise_role_is_given_with_the_enterprise_credit_code(
    client_as, secadmin, coordinator_zhang, enterprise_battery_maker
) -> None:
    _change_role(client_as(secadmin), coordinator_zhang, Role.ENTERPRISE, enterprise=enterprise_battery_maker.uscc)

    coordinator_zhang.refresh_from_db()
    assert coordinator_zhang.role == Role.ENTERPRISE
    assert coordinator_zhang.enterprise == enterprise_battery_maker


def test_a_department_staff_role_needs_a_department(client_as, secadmin, coordinator_zhang) -> None:
    response = _change_role(client_as(secadmin), coordinator_zhang, Role.DEPARTMENT_STAFF)

    assert "部门工作人员必须指定所在部门" in response.content.decode()


def test_a_department_staff_role_is_given_with_a_department(
    client_as, secadmin, coordinator_zhang, department_jingxin
) -> None:
    _change_role(client_as(secadmin), coordinator_zhang, Role.DEPARTMENT_STAFF, department=department_jingxin.pk)

    coordinator_zhang.refresh_from_db()
    assert coordinator_zhang.department == department_jingxin


def test_an_enterprise_admin_moved_to_a_staff_role_loses_the_enterprise_binding(
    client_as, secadmin, battery_admin
) -> None:
    _change_role(client_as(secadmin), battery_admin, Role.LIAISON)

    battery_admin.refresh_from_db()
    assert battery_admin.role == Role.LIAISON
    assert battery_admin.enterprise is None
    assert not battery_admin.is_enterprise_admin
    (row,) = audit_rows(Action.ROLE_CHANGED)
    assert row.detail["enterprise"]["to"] is None


def test_granting_and_revoking_unmask_is_audited(client_as, secadmin, coordinator_zhang) -> None:
    client = client_as(secadmin)
    url = reverse("accounts:security_user_unmask", args=[coordinator_zhang.pk])

    client.post(url, {"allowed": "1"})
    coordinator_zhang.refresh_from_db()
    assert coordinator_zhang.can_unmask_personal_data
    client.post(url, {"allowed": "0"})
    coordinator_zhang.refresh_from_db()
    assert not coordinator_zhang.can_unmask_personal_data

    rows = audit_rows(Action.PERMISSION_CHANGED)
    assert [(r.detail["from"], r.detail["to"]) for r in rows] == [(False, True), (True, False)]


def test_the_security_admin_cannot_grant_unmask_to_themselves(client_as, secadmin) -> None:
    response = client_as(secadmin).post(
        reverse("accounts:security_user_unmask", args=[secadmin.pk]), {"allowed": "1"}, follow=True
    )

    secadmin.refresh_from_db()
    assert not secadmin.can_unmask_personal_data
    assert "不能修改自己的权限" in response.content.decode()
    assert not audit_rows(Action.PERMISSION_CHANGED)


def test_unlocking_lets_a_locked_out_user_log_in_again(client_as, secadmin, battery_clerk) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(Client(), "battery_clerk", "Wrong-pass-999")
    assert post_login(Client(), "battery_clerk").status_code == 429
    admin_client = client_as(secadmin)
    assert "已锁定" in admin_client.get(reverse("accounts:security_users")).content.decode()

    admin_client.post(reverse("accounts:security_user_unlock", args=[battery_clerk.pk]))

    fresh = Client()
    post_login(fresh, "battery_clerk")
    assert logged_in_user_id(fresh) == str(battery_clerk.pk)
    (row,) = audit_rows(Action.ACCOUNT_UNLOCKED)
    assert row.user == secadmin
    assert row.detail["from"] == "locked"
    assert row.detail["to"] == "unlocked"


def test_unlocking_an_account_that_is_not_locked_says_so(client_as, secadmin, battery_clerk) -> None:
    response = client_as(secadmin).post(reverse("accounts:security_user_unlock", args=[battery_clerk.pk]), follow=True)

    assert "无需解锁" in response.content.decode()
    assert not audit_rows(Action.ACCOUNT_UNLOCKED)


def test_resetting_a_lost_authenticator_makes_the_user_enrol_again(
    client_as, secadmin, coordinator_zhang, confirmed_device
) -> None:
    confirmed_device(coordinator_zhang)

    client_as(secadmin).post(reverse("accounts:security_user_otp_reset", args=[coordinator_zhang.pk]))

    assert not TOTPDevice.objects.filter(user=coordinator_zhang).exists()
    (row,) = audit_rows(Action.ACCOUNT_UPDATED, user=secadmin)
    assert row.object_id == str(coordinator_zhang.pk)
    assert row.detail == {"otp_devices": {"from": 1, "to": 0}}
    client = Client()
    post_login(client, "zhang_coord")
    assert "绑定动态口令" in client.get(reverse("accounts:otp")).content.decode()


def test_the_detail_page_shows_a_lockout_and_the_authenticator(
    client_as, secadmin, coordinator_zhang, confirmed_device
) -> None:
    confirmed_device(coordinator_zhang)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(Client(), "zhang_coord", "Wrong-pass-999")

    url = reverse("accounts:security_user_detail", args=[coordinator_zhang.pk])
    page = client_as(secadmin).get(url).content.decode()

    assert '<span class="badge text-bg-danger">已锁定</span>' in page
    assert "已绑定" in page


def test_the_detail_page_counts_failures_below_the_limit(client_as, secadmin, battery_clerk) -> None:
    post_login(Client(), "battery_clerk", "Wrong-pass-999")
    post_login(Client(), "battery_clerk", "Wrong-pass-999")

    page = client_as(secadmin).get(reverse("accounts:security_user_detail", args=[battery_clerk.pk])).content.decode()

    assert "近 15 分钟失败 2 次" in page
    assert "已锁定" not in page
    assert "未绑定" in page


def test_the_unmask_switch_without_its_value_changes_nothing(client_as, secadmin, coordinator_zhang) -> None:
    coordinator_zhang.can_unmask_personal_data = True
    coordinator_zhang.save()

    response = client_as(secadmin).post(
        reverse("accounts:security_user_unmask", args=[coordinator_zhang.pk]), {}, follow=True
    )

    coordinator_zhang.refresh_from_db()
    assert coordinator_zhang.can_unmask_personal_data
    assert "请求不完整" in response.content.decode()
    assert not audit_rows(Action.PERMISSION_CHANGED)


def test_an_unknown_role_is_refused_with_a_message(client_as, secadmin, coordinator_zhang) -> None:
    response = _change_role(client_as(secadmin), coordinator_zhang, "superuser")

    assert response.status_code == 400
    assert "选择一个有效的选项。 superuser 不在可用的选项中" in response.content.decode()
    coordinator_zhang.refresh_from_db()
    assert coordinator_zhang.role == Role.COORDINATOR


def test_the_security_user_list_costs_the_same_queries_for_many_rows(client_as, secadmin, make_user) -> None:
    client = client_as(secadmin)
    url = reverse("accounts:security_users")
    make_user(Role.DEPARTMENT_STAFF)
    make_user(Role.ENTERPRISE)
    few = queries_to_render(client, url)

    for _ in range(5):
        make_user(Role.DEPARTMENT_STAFF)
        make_user(Role.ENTERPRISE)
        make_user(Role.AUDITOR)

    assert queries_to_render(client, url) == few


@pytest.mark.parametrize(
    ("method", "url_name", "with_pk"),
    [
        ("get", "accounts:security_users", False),
        ("get", "accounts:security_user_detail", True),
        ("post", "accounts:security_user_role", True),
        ("post", "accounts:security_user_unmask", True),
        ("post", "accounts:security_user_unlock", True),
        ("post", "accounts:security_user_otp_reset", True),
        ("get", "accounts:user_list", False),
        ("get", "accounts:department_list", False),
    ],
)
def test_the_auditor_can_do_none_of_this(client_as, auditor, coordinator_zhang, method, url_name, with_pk) -> None:
    url = reverse(url_name, args=[coordinator_zhang.pk] if with_pk else [])

    response = getattr(client_as(auditor), method)(url, {"role": Role.AUDITOR, "allowed": "1"})

    assert response.status_code == 403
    coordinator_zhang.refresh_from_db()
    assert coordinator_zhang.role == Role.COORDINATOR
    assert not coordinator_zhang.can_unmask_personal_data


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SYSTEM_ADMIN, Role.COORDINATOR])
def test_the_role_service_refuses_everyone_but_the_security_admin(make_user, coordinator_zhang, role: str) -> None:
    with pytest.raises(PermissionDeniedError):
        services.user_role_change(user=coordinator_zhang, role=Role.SECURITY_ADMIN, by=make_user(role))
