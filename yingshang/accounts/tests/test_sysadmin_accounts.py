"""系统管理员: manages business accounts; never assigns roles, never touches the administrator accounts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yingshang.accounts import services
from yingshang.accounts.models import User
from yingshang.accounts.roles import Role
from yingshang.core.audit import Action
from yingshang.core.errors import PermissionDeniedError

from .factories import DEFAULT_PASSWORD, UserFactory
from .helpers import audit_rows, queries_to_render

pytestmark = pytest.mark.django_db

LIST_URL = reverse("accounts:user_list")
CREATE_URL = reverse("accounts:user_create")
GOOD_PASSWORD = "Chushi-mima-2026"


def _create(client, **overrides):
    data = {
        "username": "wang_jxj",
        "full_name": "王科员",
        "phone": "13800002222",
        "role": Role.DEPARTMENT_STAFF,
        "department": "",
        "enterprise": "",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }
    data.update(overrides)
    return client.post(CREATE_URL, data)


def test_the_list_shows_business_accounts_with_masked_phones(client_as, sysadmin, battery_clerk) -> None:
    page = client_as(sysadmin).get(LIST_URL).content.decode()

    assert "battery_clerk" in page
    assert "139****0001" in page
    assert "13912340001" not in page


def test_the_list_leaves_out_the_administrator_accounts(client_as, sysadmin, secadmin, auditor) -> None:
    page = client_as(sysadmin).get(LIST_URL).content.decode()

    assert "sec_zhao" not in page
    assert "audit_qian" not in page


def test_the_list_can_be_searched_and_filtered_by_role(client_as, sysadmin, battery_clerk, coordinator_zhang) -> None:
    client = client_as(sysadmin)

    by_name = client.get(LIST_URL, {"q": "刘会计"}).content.decode()
    by_role = client.get(LIST_URL, {"role": Role.COORDINATOR}).content.decode()

    assert "battery_clerk" in by_name
    assert "zhang_coord" not in by_name
    assert "zhang_coord" in by_role
    assert "battery_clerk" not in by_role


@pytest.mark.parametrize("partial", ["1391234", "0001", "40001", "139****0001", "1"])
def test_part_of_a_phone_number_finds_nobody(client_as, sysadmin, battery_clerk, partial) -> None:
    # Otherwise the masked digits could be read off by trying "1391234000", "1391234001", … one search at a time.
    page = client_as(sysadmin).get(LIST_URL, {"q": partial}).content.decode()
    assert "battery_clerk" not in page


@pytest.mark.parametrize("url_name", ["accounts:user_list", "accounts:security_users"])
def test_the_full_phone_number_finds_the_account(client_as, sysadmin, secadmin, battery_clerk, url_name) -> None:
    client = client_as(sysadmin if url_name == "accounts:user_list" else secadmin)
    for query in ("13912340001", " 139-1234-0001 "):
        assert "battery_clerk" in client.get(reverse(url_name), {"q": query}).content.decode()
    assert "battery_clerk" not in client.get(reverse(url_name), {"q": "912340001"}).content.decode()


def test_sysadmin_creates_a_department_staff_account(client_as, sysadmin, department_jingxin) -> None:
    response = _create(client_as(sysadmin), department=department_jingxin.pk)

    assert response.status_code == 302
    user = User.objects.get(username="wang_jxj")
    assert user.role == Role.DEPARTMENT_STAFF
    assert user.department == department_jingxin
    assert user.check_password(GOOD_PASSWORD)
    (row,) = audit_rows(Action.ACCOUNT_CREATED)
    assert row.user == sysadmin
    assert row.detail["role"] == Role.DEPARTMENT_STAFF


def test_sysadmin_creates_an_enterprise_account_by_credit_code(client_as, sysadmin, enterprise_battery_maker) -> None:
    _create(client_as(sysadmin), role=Role.ENTERPRISE, enterprise=enterprise_battery_maker.uscc)

    assert User.objects.get(username="wang_jxj").enterprise == enterprise_battery_maker


@pytest.mark.parametrize("admin_role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR])
def test_sysadmin_cannot_create_an_administrator_account(client_as, sysadmin, admin_role: str) -> None:
    response = _create(client_as(sysadmin), role=admin_role)

    assert response.status_code == 200
    assert not User.objects.filter(username="wang_jxj").exists()
    assert f"选择一个有效的选项。 {admin_role} 不在可用的选项中" in response.content.decode()


@pytest.mark.parametrize("admin_role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR])
def test_the_create_service_refuses_administrator_roles_whatever_the_form_offers(sysadmin, admin_role: str) -> None:
    with pytest.raises(PermissionDeniedError, match="只能由安全管理员分配"):
        services.user_create(
            username="sneaky",
            password=GOOD_PASSWORD,
            role=admin_role,
            data=services.AccountInput(full_name="x", phone="", department=None, enterprise=None),
            by=sysadmin,
        )


def test_an_enterprise_account_needs_an_enterprise(client_as, sysadmin) -> None:
    response = _create(client_as(sysadmin), role=Role.ENTERPRISE)

    assert "企业用户必须绑定所属企业" in response.content.decode()
    assert not User.objects.filter(username="wang_jxj").exists()


def test_a_department_staff_account_needs_a_department(client_as, sysadmin) -> None:
    response = _create(client_as(sysadmin))

    assert "部门工作人员必须指定所在部门" in response.content.decode()
    assert not User.objects.filter(username="wang_jxj").exists()


def test_an_unknown_credit_code_is_refused(client_as, sysadmin) -> None:
    response = _create(client_as(sysadmin), role=Role.ENTERPRISE, enterprise="91420800MA00000000")

    assert "企业库中没有此统一社会信用代码的企业" in response.content.decode()


def test_the_initial_password_follows_the_rules(client_as, sysadmin, department_jingxin) -> None:
    response = _create(client_as(sysadmin), department=department_jingxin.pk, password1="abc", password2="abc")

    assert "密码太短" in response.content.decode()
    assert not User.objects.filter(username="wang_jxj").exists()


def test_sysadmin_edits_details_but_the_role_stays(client_as, sysadmin, coordinator_zhang) -> None:
    client_as(sysadmin).post(
        reverse("accounts:user_edit", args=[coordinator_zhang.pk]),
        {"full_name": "张协调员", "phone": "", "is_active": "on", "role": Role.SECURITY_ADMIN},
    )

    coordinator_zhang.refresh_from_db()
    assert coordinator_zhang.full_name == "张协调员"
    assert coordinator_zhang.role == Role.COORDINATOR
    (row,) = audit_rows(Action.ACCOUNT_UPDATED)
    assert row.detail["changes"]["full_name"] == {"from": "张协调", "to": "张协调员"}


def test_leaving_the_phone_empty_keeps_the_stored_number(client_as, sysadmin, battery_clerk) -> None:
    client_as(sysadmin).post(
        reverse("accounts:user_edit", args=[battery_clerk.pk]),
        {"full_name": "刘会计", "phone": "", "enterprise": battery_clerk.enterprise.uscc, "is_active": "on"},
    )

    battery_clerk.refresh_from_db()
    assert battery_clerk.phone == "13912340001"
    assert not audit_rows(Action.ACCOUNT_UPDATED)  # nothing changed, so nothing to record


def test_the_edit_form_never_shows_the_full_phone_number(client_as, sysadmin, battery_clerk) -> None:
    page = client_as(sysadmin).get(reverse("accounts:user_edit", args=[battery_clerk.pk])).content.decode()

    assert "13912340001" not in page
    assert "139****0001" in page


def test_sysadmin_can_disable_an_account(client_as, sysadmin, coordinator_zhang) -> None:
    client_as(sysadmin).post(reverse("accounts:user_edit", args=[coordinator_zhang.pk]), {"full_name": "张协调"})

    coordinator_zhang.refresh_from_db()
    assert not coordinator_zhang.is_active


def test_sysadmin_resets_a_password(client_as, sysadmin, battery_clerk) -> None:
    response = client_as(sysadmin).post(
        reverse("accounts:user_password_reset", args=[battery_clerk.pk]),
        {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )

    assert response.status_code == 302
    battery_clerk.refresh_from_db()
    assert battery_clerk.check_password(GOOD_PASSWORD)
    assert audit_rows(Action.ACCOUNT_UPDATED, user=sysadmin)
    (row,) = audit_rows(Action.ACCOUNT_UPDATED, user=sysadmin)
    assert row.object_id == str(battery_clerk.pk)
    assert row.detail == {"password": "reset_by_admin"}


@pytest.mark.parametrize("url_name", ["accounts:user_edit", "accounts:user_password_reset"])
def test_sysadmin_cannot_open_an_administrator_account(client_as, sysadmin, secadmin, url_name: str) -> None:
    response = client_as(sysadmin).get(reverse(url_name, args=[secadmin.pk]))

    assert response.status_code == 404


def test_sysadmin_cannot_reset_the_security_admins_password(client_as, sysadmin, secadmin) -> None:
    client_as(sysadmin).post(
        reverse("accounts:user_password_reset", args=[secadmin.pk]),
        {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )

    secadmin.refresh_from_db()
    assert secadmin.check_password(DEFAULT_PASSWORD)
    assert not audit_rows(Action.ACCOUNT_UPDATED)


@pytest.mark.parametrize(
    "url",
    [
        reverse("accounts:security_users"),
        "/accounts/security-admin/users/1/",
    ],
)
def test_sysadmin_cannot_read_the_security_admin_pages(client_as, sysadmin, url: str) -> None:
    assert client_as(sysadmin).get(url).status_code == 403


def test_sysadmin_cannot_change_a_role_through_the_security_admin_endpoint(
    client_as, sysadmin, coordinator_zhang
) -> None:
    response = client_as(sysadmin).post(
        reverse("accounts:security_user_role", args=[coordinator_zhang.pk]), {"role": Role.LEADER}
    )

    assert response.status_code == 403
    coordinator_zhang.refresh_from_db()
    assert coordinator_zhang.role == Role.COORDINATOR


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ENTERPRISE, Role.SECURITY_ADMIN, Role.AUDITOR])
def test_only_the_system_admin_manages_accounts(client_as, role: str) -> None:
    assert client_as(role).get(LIST_URL).status_code == 403


def test_a_new_phone_number_replaces_the_old_one_and_is_audited_masked(client_as, sysadmin, battery_clerk) -> None:
    client_as(sysadmin).post(
        reverse("accounts:user_edit", args=[battery_clerk.pk]),
        {"full_name": "刘会计", "phone": "13955556666", "enterprise": battery_clerk.enterprise.uscc, "is_active": "on"},
    )

    battery_clerk.refresh_from_db()
    assert battery_clerk.phone == "13955556666"
    (row,) = audit_rows(Action.ACCOUNT_UPDATED)
    assert row.detail["changes"] == {"phone": {"from": "139****0001", "to": "139****6666"}}


def test_the_phone_can_be_cleared_on_purpose(client_as, sysadmin, battery_clerk) -> None:
    client_as(sysadmin).post(
        reverse("accounts:user_edit", args=[battery_clerk.pk]),
        {
            "full_name": "刘会计",
            "phone": "",
            "clear_phone": "on",
            "enterprise": battery_clerk.enterprise.uscc,
            "is_active": "on",
        },
    )

    battery_clerk.refresh_from_db()
    assert battery_clerk.phone == ""
    (row,) = audit_rows(Action.ACCOUNT_UPDATED)
    assert row.detail["changes"] == {"phone": {"from": "139****0001", "to": ""}}


def test_there_is_nothing_to_clear_when_no_phone_is_stored(client_as, sysadmin, coordinator_zhang) -> None:
    coordinator_zhang.phone = ""
    coordinator_zhang.save()

    page = client_as(sysadmin).get(reverse("accounts:user_edit", args=[coordinator_zhang.pk])).content.decode()

    assert "清除手机号" not in page


def test_an_unknown_role_in_the_filter_is_reported_and_the_search_still_applies(
    client_as, sysadmin, battery_clerk, coordinator_zhang
) -> None:
    response = client_as(sysadmin).get(LIST_URL, {"q": "刘会计", "role": "no_such_role"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "选择一个有效的选项。 no_such_role 不在可用的选项中" in page
    assert "battery_clerk" in page
    assert "zhang_coord" not in page


def test_an_administrator_role_is_not_a_filter_of_the_business_account_list(client_as, sysadmin, secadmin) -> None:
    page = client_as(sysadmin).get(LIST_URL, {"role": Role.SECURITY_ADMIN}).content.decode()

    assert "不在可用的选项中" in page
    assert "sec_zhao" not in page


def test_an_overlong_search_is_refused_with_a_message(client_as, sysadmin, battery_clerk) -> None:
    response = client_as(sysadmin).get(LIST_URL, {"q": "刘" * 101})

    assert response.status_code == 200
    assert "确保该变量包含不超过 100 字符" in response.content.decode()


def test_the_next_page_link_keeps_the_filter(client_as, sysadmin) -> None:
    UserFactory.create_batch(51, role=Role.COORDINATOR)

    page = client_as(sysadmin).get(LIST_URL, {"role": Role.COORDINATOR}).content.decode()

    assert "共 51 条" in page
    assert f"?role={Role.COORDINATOR}&amp;page=2" in page


def test_the_account_list_costs_the_same_queries_for_many_rows(
    client_as, sysadmin, make_user, department_jingxin
) -> None:
    client = client_as(sysadmin)
    make_user(Role.DEPARTMENT_STAFF)
    make_user(Role.ENTERPRISE)
    few = queries_to_render(client, LIST_URL)

    for _ in range(5):
        make_user(Role.DEPARTMENT_STAFF)
        make_user(Role.ENTERPRISE)

    assert queries_to_render(client, LIST_URL) == few
