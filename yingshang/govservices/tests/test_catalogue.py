"""The catalogue: items and materials, the public guide and 一次性告知单, bundles' savings, xlsx import/export."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from yingshang.accounts.roles import Role
from yingshang.core.errors import ApplicationError
from yingshang.core.models import AuditLog

from ..catalogue_io import ITEM_HEADERS, MATERIAL_HEADERS
from ..models import ServiceItem, material_key
from ..selectors import bundle_plan, guide_documents
from ..services_catalogue import ItemInput, item_save
from .factories import ServiceItemFactory, make_bundle

pytestmark = pytest.mark.django_db


def test_the_same_material_is_recognised_whatever_the_brackets_and_copy_words():
    assert material_key("营业执照(副本)复印件") == material_key("营业执照") == material_key(" 营业执照 原件")
    assert material_key("营业执照") != material_key("食品经营许可证")


def test_a_committed_limit_longer_than_the_legal_one_is_refused(make_user, market_bureau):
    coordinator = make_user(Role.COORDINATOR)
    data = ItemInput(code="X-1", name="某许可", department=market_bureau, legal_limit_days=5, committed_limit_days=8)
    with pytest.raises(ApplicationError, match="不能长于法定"):
        item_save(item=None, data=data, by=coordinator)
    with pytest.raises(ApplicationError, match="无权"):
        item_save(item=None, data=data, by=make_user(Role.DEPARTMENT_STAFF))


def test_the_public_guide_shows_the_cut_and_materials_without_login(food_licence):
    page = Client().get(reverse("govservices:guide", args=[food_licence.pk])).content.decode()
    assert "食品经营许可" in page and "85%" in page
    assert "经营场所使用证明" in page and "可容缺" in page and "可告知承诺" in page


def test_the_one_time_notice_lists_everything_and_prints_cleanly(food_licence):
    page = Client().get(reverse("govservices:notice", args=[food_licence.pk])).content.decode()
    assert "一次性告知单" in page and "@media print" in page
    assert page.count("<tr><td>") >= 5
    assert "共 5 项" in page


def test_a_bundle_asks_shared_materials_once_and_shows_its_savings(food_licence, approval_bureau):
    fire = ServiceItemFactory.create(
        name="消防安全检查",
        department=approval_bureau,
        committed_limit_days=5,
        steps="受理\n现场检查\n决定\n办结",
        materials=[("营业执照", {}), ("消防安全制度", {})],
    )
    bundle = make_bundle([food_licence, fire], lead_department=approval_bureau, committed_limit_days=4)
    plan = bundle_plan(bundle)
    assert (plan.separate_materials, len(plan.materials), plan.saved_materials) == (7, 6, 1)
    assert (plan.separate_steps, len(plan.steps), plan.saved_steps) == (8, 5, 3)
    assert (plan.separate_days, plan.combined_days, plan.time_cut_percent) == (8, 4, 50.0)
    page = Client().get(reverse("govservices:bundle_list")).content.decode()
    assert "50.0%" in page


def test_guide_documents_give_the_assistant_plain_text(food_licence):
    documents = list(guide_documents())
    assert len(documents) == 1
    doc = documents[0]
    assert doc.title == "食品经营许可" and doc.code == "SCJG-001"
    assert "承诺办结时限:3个工作日" in doc.text and "经营场所使用证明" in doc.text and "可容缺受理" in doc.text
    assert doc.url == reverse("govservices:guide", args=[food_licence.pk])


def _workbook(items: list[list], materials: list[list]) -> SimpleUploadedFile:
    wb = openpyxl.Workbook()
    ws = wb.worksheets[0]
    ws.title = "事项"
    ws.append(list(ITEM_HEADERS))
    for row in items:
        ws.append(row)
    ms = wb.create_sheet("申请材料")
    ms.append(list(MATERIAL_HEADERS))
    for row in materials:
        ms.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("清单.xlsx", buffer.getvalue())


def _item_row(code: str, name: str, dept: str = "SCJG", legal: object = 20, committed: object = 5) -> list:
    return [
        code,
        name,
        dept,
        "区级",
        "依申请事项",
        legal,
        committed,
        "",
        "不收费",
        3,
        "是",
        "否",
        "受理\n决定",
        "",
        "",
        "是",
    ]


def test_an_import_with_bad_rows_writes_nothing_and_reports_each_row(client_as, market_bureau):
    client = client_as(Role.COORDINATOR)
    upload = _workbook(
        [
            _item_row("SCJG-101", "药品零售许可"),
            _item_row("SCJG-102", "承诺过长", committed=30),
            _item_row("SCJG-103", "部门不存在", dept="不存在局"),
            _item_row("SCJG-101", "编码重复"),
            _item_row("SCJG-104", "时限不是数字", legal="二十"),
        ],
        [
            ["SCJG-101", "营业执照", "复印件", 1, "", "是", "否", "否", ""],
            ["SCJG-999", "孤儿材料", "原件", 1, "", "是", "否", "否", ""],
        ],
    )
    page = client.post(reverse("govservices:catalogue_import"), {"file": upload}).content.decode()
    assert ServiceItem.objects.count() == 0
    assert page.count('data-testid="import-error-row"') == 5
    for reason in ("不能长于法定", "找不到部门", "与第 2 行重复", "应为整数", "不在“事项”工作表中"):
        assert reason in page, reason


def test_a_clean_import_creates_items_and_an_export_reads_back(client_as, market_bureau):
    client = client_as(Role.COORDINATOR)
    upload = _workbook(
        [_item_row("SCJG-101", "药品零售许可"), _item_row("SCJG-102", "医疗器械经营备案", committed=1)],
        [
            ["SCJG-101", "营业执照", "复印件", 1, "申请人自备", "是", "否", "否", ""],
            ["SCJG-101", "质量管理文件", "原件", 1, "", "是", "是", "否", ""],
        ],
    )
    page = client.post(reverse("govservices:catalogue_import"), {"file": upload}).content.decode()
    assert 'data-testid="import-created">2<' in page
    item = ServiceItem.objects.get(code="SCJG-101")
    assert item.cross_province and item.committed_limit_days == 5
    assert [(m.name, m.may_be_missing) for m in item.materials.all()] == [("营业执照", False), ("质量管理文件", True)]
    assert AuditLog.objects.filter(action="import").exists()

    response = client.get(reverse("govservices:catalogue_export"))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook["事项"].iter_rows(values_only=True))
    assert rows[0][0] == "事项编码*" and {r[0] for r in rows[1:]} == {"SCJG-101", "SCJG-102"}
    assert len(list(workbook["申请材料"].iter_rows(values_only=True))) == 3
    assert AuditLog.objects.filter(action="export").exists()

    response.streaming_content  # noqa: B018 - consumed above; the re-import of the export changes nothing
    again = _workbook(
        [list(r) for r in rows[1:]], [list(r) for r in list(workbook["申请材料"].iter_rows(values_only=True))[1:]]
    )
    page = client.post(reverse("govservices:catalogue_import"), {"file": again}).content.decode()
    assert 'data-testid="import-updated">2<' in page
    assert ServiceItem.objects.get(code="SCJG-101").materials.count() == 2


def test_a_file_that_is_not_xlsx_gets_a_clear_message(client_as):
    client = client_as(Role.COORDINATOR)
    page = client.post(
        reverse("govservices:catalogue_import"), {"file": SimpleUploadedFile("a.xlsx", b"not a zip")}
    ).content.decode()
    assert "无法读取该文件" in page


def test_the_item_form_saves_materials(client_as, market_bureau):
    client = client_as(Role.COORDINATOR)
    data = {
        "code": "SCJG-201",
        "name": "食品小作坊登记",
        "department": market_bureau.pk,
        "level": "district",
        "kind": "application",
        "legal_limit_days": 20,
        "committed_limit_days": 2,
        "online_depth": "4",
        "fees": "不收费",
        "steps": "受理\n办结",
        "is_active": "on",
        "materials-TOTAL_FORMS": 3,
        "materials-INITIAL_FORMS": 0,
        "materials-0-name": "营业执照",
        "materials-0-form": "copy",
        "materials-0-copies": 1,
        "materials-0-required": "on",
        "materials-1-name": "",
        "materials-1-form": "original",
        "materials-1-copies": 1,
        "materials-2-name": "",
        "materials-2-form": "original",
        "materials-2-copies": 1,
    }
    response = client.post(reverse("govservices:item_create"), data)
    assert response.status_code == 302
    item = ServiceItem.objects.get(code="SCJG-201")
    assert item.cut_percent == 90 and list(item.materials.values_list("name", flat=True)) == ["营业执照"]
