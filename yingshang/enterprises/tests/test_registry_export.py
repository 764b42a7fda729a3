"""Export of the filtered registry list to xlsx: masked by default, limited, audited."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from yingshang.accounts.roles import Role
from yingshang.core.audit import Action
from yingshang.core.models import AuditLog
from yingshang.enterprises import exports
from yingshang.enterprises.models import Scale
from yingshang.enterprises.tests.factories import EnterpriseFactory

EXPORT = reverse("enterprises:export")
FULL_PHONE = "13912345678"
MASKED_PHONE = "139****5678"


def sheet_rows(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def column(rows: list[list], title: str) -> list:
    index = rows[0].index(title)
    return [row[index] for row in rows[1:]]


def test_the_export_has_a_header_and_one_row_per_enterprise(client_as, enterprise_battery_maker, enterprise_other):
    rows = sheet_rows(client_as(Role.COORDINATOR).get(EXPORT))
    assert rows[0][:2] == ["统一社会信用代码", "企业名称"]
    assert column(rows, "企业名称") == ["东宝食品有限公司", "荆门新能源电池有限公司"]


def test_phones_are_masked_by_default(client_as, enterprise_battery_maker):
    rows = sheet_rows(client_as(Role.COORDINATOR).get(EXPORT))
    assert column(rows, "联系电话") == [MASKED_PHONE]


def test_unmask_is_ignored_without_permission(client_as, enterprise_battery_maker):
    rows = sheet_rows(client_as(Role.LEADER).get(EXPORT, {"unmask": "1"}))
    assert column(rows, "联系电话") == [MASKED_PHONE]
    assert AuditLog.objects.get(action=Action.EXPORT).detail["unmasked"] is False


def test_unmask_is_honoured_for_users_allowed_to_see_personal_data(client_as, enterprise_battery_maker):
    rows = sheet_rows(client_as(Role.COORDINATOR, can_unmask_personal_data=True).get(EXPORT, {"unmask": "1"}))
    assert column(rows, "联系电话") == [FULL_PHONE]
    assert AuditLog.objects.get(action=Action.EXPORT).detail["unmasked"] is True


def test_the_export_follows_the_filters(client_as, enterprise_battery_maker, enterprise_other):
    EnterpriseFactory.create(name="规上电池厂", scale=Scale.ABOVE)
    rows = sheet_rows(client_as(Role.COORDINATOR).get(EXPORT, {"scale": "above"}))
    assert column(rows, "企业名称") == ["规上电池厂"]


def test_the_export_is_audited_with_filters_and_row_count(client_as, enterprise_battery_maker, enterprise_other):
    client = client_as(Role.COORDINATOR)
    sheet_rows(client.get(EXPORT, {"q": "荆门", "scale": "below"}))
    row = AuditLog.objects.get(action=Action.EXPORT)
    assert row.user == client.user
    assert row.detail["rows"] == 1
    assert row.detail["filters"]["params"] == {"q": "荆门", "scale": "below"}
    assert row.detail["filters"]["labels"] == {"搜索": "荆门", "规模": "规下"}


def test_a_too_large_export_is_refused_with_advice(client_as, enterprise_battery_maker, enterprise_other, monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_MAX_ROWS", 1)
    client = client_as(Role.COORDINATOR)
    response = client.get(EXPORT, {"scale": "below"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("enterprises:list") + "?scale=below"
    assert "导出结果超过 1 行,请增加筛选条件缩小范围后再导出" in html
    assert not AuditLog.objects.filter(action=Action.EXPORT).exists()


def test_a_formula_in_a_name_stays_text(client_as):
    name = '=HYPERLINK("http://example.com","点我")'
    EnterpriseFactory.create(name=name)
    response = client_as(Role.COORDINATOR).get(EXPORT, {"q": "HYPERLINK"})
    cell = load_workbook(BytesIO(b"".join(response.streaming_content))).worksheets[0]["B2"]
    assert (cell.value, cell.data_type) == (name, "s")


@pytest.mark.parametrize("role", [Role.DEPARTMENT_STAFF, Role.LIAISON, Role.ENTERPRISE, Role.AUDITOR])
def test_roles_without_the_export_capability_are_refused(client_as, role):
    assert client_as(role).get(EXPORT).status_code == 403
    assert not AuditLog.objects.filter(action=Action.EXPORT).exists()
