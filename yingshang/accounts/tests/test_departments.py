"""部门管理: the 区 → 局/中心/园区 → 股室 tree, kept free of cycles, every change audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yingshang.accounts.models import Department, DepartmentKind
from yingshang.accounts.roles import Role
from yingshang.accounts.tests.factories import DepartmentFactory
from yingshang.core.audit import Action

from .helpers import audit_rows, queries_to_render

pytestmark = pytest.mark.django_db

LIST_URL = reverse("accounts:department_list")


@pytest.fixture
def district(db):
    return DepartmentFactory.create(name="示范区管委会", code="QU", kind=DepartmentKind.DISTRICT)


@pytest.fixture
def bureau(district):
    return DepartmentFactory.create(
        name="市场监督管理局", code="SJJ", parent=district, contact_person="周股长", contact_phone="13566667777"
    )


@pytest.fixture
def section(bureau):
    return DepartmentFactory.create(name="登记注册股", code="SJJ-DJ", parent=bureau, kind=DepartmentKind.SECTION)


def _form(department: Department, **overrides) -> dict:
    data = {
        "name": department.name,
        "code": department.code,
        "kind": department.kind,
        "parent": department.parent_id or "",
        "contact_person": department.contact_person,
        "contact_phone": department.contact_phone,
        "sort_order": department.sort_order,
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_the_tree_lists_parents_before_children_with_masked_contact_phones(client_as, sysadmin, section) -> None:
    page = client_as(sysadmin).get(LIST_URL).content.decode()

    assert page.index("示范区管委会") < page.index("市场监督管理局") < page.index("登记注册股")
    assert "135****7777" in page
    assert "13566667777" not in page
    assert '<span style="padding-left: 0.0rem">示范区管委会</span>' in page
    assert '<span style="padding-left: 1.5rem">└ 市场监督管理局</span>' in page
    assert '<span style="padding-left: 3.0rem">└ 登记注册股</span>' in page


def test_sysadmin_creates_a_department_under_a_parent(client_as, sysadmin, district) -> None:
    response = client_as(sysadmin).post(
        reverse("accounts:department_create"),
        {"name": "政务服务中心", "code": "ZWZX", "kind": DepartmentKind.CENTER, "parent": district.pk, "sort_order": 0},
    )

    assert response.status_code == 302
    center = Department.objects.get(code="ZWZX")
    assert center.parent == district
    (row,) = audit_rows(Action.DEPARTMENT_CHANGED)
    assert row.user == sysadmin
    assert row.detail["op"] == "created"
    assert row.detail["values"]["parent"] == {"id": district.pk, "name": "示范区管委会"}
    assert row.detail["values"]["name"] == "政务服务中心"


def test_editing_a_department_is_audited_with_what_changed(client_as, sysadmin, bureau) -> None:
    client_as(sysadmin).post(
        reverse("accounts:department_edit", args=[bureau.pk]), _form(bureau, contact_person="吴股长")
    )

    bureau.refresh_from_db()
    assert bureau.contact_person == "吴股长"
    (row,) = audit_rows(Action.DEPARTMENT_CHANGED)
    assert row.detail["changes"] == {"contact_person": {"from": "周股长", "to": "吴股长"}}


def test_the_edit_form_shows_the_contact_phone_masked(client_as, sysadmin, bureau) -> None:
    response = client_as(sysadmin).get(reverse("accounts:department_edit", args=[bureau.pk]))

    page = response.content.decode()
    assert "13566667777" not in page
    assert "135****7777" in page
    assert response.context["form"]["contact_phone"].value() in (None, "")


def test_leaving_the_contact_phone_empty_keeps_the_number(client_as, sysadmin, bureau) -> None:
    client_as(sysadmin).post(
        reverse("accounts:department_edit", args=[bureau.pk]), _form(bureau, contact_phone="", short_name="市监局")
    )

    bureau.refresh_from_db()
    assert bureau.contact_phone == "13566667777"
    assert bureau.short_name == "市监局"
    (row,) = audit_rows(Action.DEPARTMENT_CHANGED)
    assert "contact_phone" not in row.detail["changes"]


def test_a_new_contact_phone_replaces_the_old_one(client_as, sysadmin, bureau) -> None:
    client_as(sysadmin).post(
        reverse("accounts:department_edit", args=[bureau.pk]), _form(bureau, contact_phone="0724-1234567")
    )

    bureau.refresh_from_db()
    assert bureau.contact_phone == "0724-1234567"
    (row,) = audit_rows(Action.DEPARTMENT_CHANGED)
    assert row.detail["changes"]["contact_phone"] == {"from": "135****7777", "to": "072****4567"}


def test_the_contact_phone_can_be_cleared_on_purpose(client_as, sysadmin, bureau) -> None:
    client_as(sysadmin).post(
        reverse("accounts:department_edit", args=[bureau.pk]),
        _form(bureau, contact_phone="", clear_contact_phone="on"),
    )

    bureau.refresh_from_db()
    assert bureau.contact_phone == ""
    (row,) = audit_rows(Action.DEPARTMENT_CHANGED)
    assert row.detail["changes"] == {"contact_phone": {"from": "135****7777", "to": ""}}


def test_a_department_cannot_become_its_own_parent(client_as, sysadmin, bureau, district) -> None:
    response = client_as(sysadmin).post(
        reverse("accounts:department_edit", args=[bureau.pk]), _form(bureau, parent=bureau.pk)
    )

    assert "上级部门不能是本部门或本部门的下级部门" in response.content.decode()
    bureau.refresh_from_db()
    assert bureau.parent == district


def test_a_department_cannot_be_moved_under_its_own_descendant(client_as, sysadmin, district, section) -> None:
    response = client_as(sysadmin).post(
        reverse("accounts:department_edit", args=[district.pk]), _form(district, parent=section.pk)
    )

    assert "上级部门不能是本部门或本部门的下级部门" in response.content.decode()
    district.refresh_from_db()
    assert district.parent is None
    assert not audit_rows(Action.DEPARTMENT_CHANGED)


def test_a_department_code_is_unique(client_as, sysadmin, bureau) -> None:
    response = client_as(sysadmin).post(
        reverse("accounts:department_create"),
        {"name": "另一个局", "code": "sjj", "kind": DepartmentKind.BUREAU, "sort_order": 0},
    )

    assert "该编码已被其他部门使用" in response.content.decode()
    assert not Department.objects.filter(name="另一个局").exists()


def test_two_departments_under_one_parent_cannot_share_a_name(client_as, sysadmin, bureau, district) -> None:
    response = client_as(sysadmin).post(
        reverse("accounts:department_create"),
        {
            "name": "市场监督管理局",
            "code": "SJJ2",
            "kind": DepartmentKind.BUREAU,
            "parent": district.pk,
            "sort_order": 0,
        },
    )

    assert "同一上级部门下已有同名部门" in response.content.decode()
    assert not Department.objects.filter(code="SJJ2").exists()


def test_a_new_contact_phone_that_masks_like_the_old_one_is_still_saved(client_as, sysadmin, bureau) -> None:
    # 13566667777 and 13500007777 both show as 135****7777: the change must not be mistaken for no change.
    client_as(sysadmin).post(
        reverse("accounts:department_edit", args=[bureau.pk]), _form(bureau, contact_phone="13500007777")
    )

    bureau.refresh_from_db()
    assert bureau.contact_phone == "13500007777"
    (row,) = audit_rows(Action.DEPARTMENT_CHANGED)
    assert row.detail["changes"] == {"contact_phone": {"from": "135****7777", "to": "135****7777"}}


def test_saving_an_unchanged_department_writes_no_audit_row(client_as, sysadmin, bureau) -> None:
    response = client_as(sysadmin).post(
        reverse("accounts:department_edit", args=[bureau.pk]), _form(bureau, contact_phone="")
    )

    assert response.status_code == 302
    assert not audit_rows(Action.DEPARTMENT_CHANGED)


def test_the_add_sub_department_link_preselects_the_parent(client_as, sysadmin, district) -> None:
    response = client_as(sysadmin).get(reverse("accounts:department_create"), {"parent": district.pk})

    assert response.context["form"]["parent"].value() == str(district.pk)
    assert f'<option value="{district.pk}" selected>示范区管委会</option>' in response.content.decode()


@pytest.mark.parametrize("parent", ["²", "abc", "-1", "99999999999999999999999"])
def test_a_malformed_parent_parameter_is_ignored(client_as, sysadmin, district, parent: str) -> None:
    response = client_as(sysadmin).get(reverse("accounts:department_create"), {"parent": parent})

    assert response.status_code == 200
    assert " selected>示范区管委会" not in response.content.decode()


def test_a_sort_order_beyond_the_column_is_refused_with_a_message(client_as, sysadmin) -> None:
    response = client_as(sysadmin).post(
        reverse("accounts:department_create"),
        {"name": "政务服务中心", "code": "ZWZX", "kind": DepartmentKind.CENTER, "sort_order": "9" * 20},
    )

    assert response.status_code == 200
    assert "确保该值小于或等于2147483647" in response.content.decode()
    assert not Department.objects.filter(code="ZWZX").exists()


def test_the_department_list_costs_the_same_queries_for_a_deeper_and_wider_tree(
    client_as, sysadmin, section, make_user
) -> None:
    client = client_as(sysadmin)
    few = queries_to_render(client, LIST_URL)

    parent = section
    for n in range(5):
        parent = DepartmentFactory.create(parent=parent, contact_phone=f"1370000{n:04d}")
        make_user(Role.DEPARTMENT_STAFF, department=parent)

    assert queries_to_render(client, LIST_URL) == few


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SECURITY_ADMIN, Role.AUDITOR, Role.ENTERPRISE])
def test_only_the_system_admin_manages_departments(client_as, role: str) -> None:
    assert client_as(role).get(LIST_URL).status_code == 403
