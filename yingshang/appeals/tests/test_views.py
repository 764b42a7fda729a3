"""The pages: filing with attachments, 保密 content, stale versions, the ledger, its export, statistics, meetings."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from yingshang.accounts.roles import Role
from yingshang.appeals.models import Appeal, AppealState
from yingshang.appeals.services import appeal_dispatch, appeal_sign
from yingshang.appeals.tests.factories import AppealCategoryFactory, file_appeal, office_user, staff_of
from yingshang.core.models import AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def category(department_jingxin):
    return AppealCategoryFactory.create(name="用地用能", default_department=department_jingxin)


def test_an_enterprise_files_an_appeal_with_an_attachment_and_finds_it_in_its_list(client_as, category):
    client = client_as(Role.ENTERPRISE)
    response = client.post(
        reverse("appeals:new"),
        {
            "category": category.pk,
            "title": "厂房屋顶光伏并网",
            "description": "申请并网两个月未答复",
            "urgency": "normal",
            "contact_name": "李四",
            "contact_phone": "13907240000",
            "attachments": [SimpleUploadedFile("并网申请.pdf", b"%PDF-1.7 ...")],
            "idempotency_key": "form-key-0001",
        },
    )
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("appeals:detail", args=[appeal.pk])
    assert appeal.attachments.count() == 1
    page = client.get(reverse("appeals:mine")).content.decode()
    assert appeal.number in page and "厂房屋顶光伏并网" in page


def test_the_form_is_prefilled_from_the_assistant_link(client_as, category):
    client = client_as(Role.ENTERPRISE)
    response = client.get(
        reverse("appeals:new"), {"title": "  光伏并网多久办结? ", "description": "问答助手没有找到答案<b>"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form["title"].value() == "光伏并网多久办结?"
    assert form["description"].value() == "问答助手没有找到答案<b>"
    page = response.content.decode()
    assert 'value="光伏并网多久办结?"' in page and "问答助手没有找到答案&lt;b&gt;</textarea>" in page
    # Without a query string the form is empty (apart from the filer's own contact details).
    plain = client.get(reverse("appeals:new")).context["form"]
    assert not plain["title"].value() and not plain["description"].value()


def test_a_double_submitted_form_files_once(client_as, category):
    client = client_as(Role.ENTERPRISE)
    data = {"category": category.pk, "title": "重复提交", "description": "x", "urgency": "normal"}
    data["idempotency_key"] = "same-form-render-42"
    client.post(reverse("appeals:new"), data)
    client.post(reverse("appeals:new"), data)
    assert Appeal.objects.count() == 1


def test_a_wrong_attachment_is_refused_on_the_page_with_its_reason(client_as, category):
    client = client_as(Role.ENTERPRISE)
    response = client.post(
        reverse("appeals:new"),
        {
            "category": category.pk,
            "title": "t",
            "description": "d",
            "urgency": "normal",
            "attachments": [SimpleUploadedFile("脚本.exe", b"MZ")],
        },
    )
    assert response.status_code == 400
    assert "格式不支持" in response.content.decode()
    assert not Appeal.objects.exists()


def test_confidential_content_is_hidden_outside_the_handling_chain(
    client_as, make_user, enterprise_battery_maker, category
):
    appeal = file_appeal(
        enterprise=enterprise_battery_maker, category=category, confidential=True, title="举报某执法人员"
    )
    leader_page = client_as(Role.LEADER).get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert "举报某执法人员" not in leader_page and "保密诉求" in leader_page
    office_page = client_as(Role.COORDINATOR).get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert "举报某执法人员" in office_page
    ledger = client_as(Role.LEADER).get(reverse("appeals:ledger")).content.decode()
    assert appeal.number in ledger and "举报某执法人员" not in ledger


def test_a_department_sees_only_what_is_assigned_to_it(
    client_as, enterprise_battery_maker, category, department_jingxin
):
    from yingshang.accounts.tests.factories import DepartmentFactory

    mine = file_appeal(enterprise=enterprise_battery_maker, category=category)
    theirs = file_appeal(enterprise=enterprise_battery_maker, category=category)
    office = office_user()
    appeal_dispatch(appeal=mine, lead=department_jingxin, by=office)
    appeal_dispatch(appeal=theirs, lead=DepartmentFactory.create(), by=office)
    client = client_as(Role.DEPARTMENT_STAFF)
    inbox = client.get(reverse("appeals:inbox")).content.decode()
    assert mine.number in inbox and theirs.number not in inbox
    assert client.get(reverse("appeals:detail", args=[theirs.pk])).status_code == 404


def test_a_stale_form_shows_a_conflict_instead_of_overwriting(
    client_as, enterprise_battery_maker, category, department_jingxin
):
    appeal = file_appeal(enterprise=enterprise_battery_maker, category=category)
    client = client_as(Role.COORDINATOR)
    stale = appeal.version
    appeal_dispatch(appeal=appeal, lead=department_jingxin, by=office_user(), version=stale)
    from yingshang.appeals.services import appeal_return

    appeal_return(appeal=appeal, by=staff_of(department_jingxin), reason="非本局职责")
    response = client.post(
        reverse("appeals:dispatch", args=[appeal.pk]), {"lead": department_jingxin.pk, "version": stale}
    )
    assert response.status_code == 409
    assert "已被他人更新" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.state == AppealState.SUBMITTED


def test_the_ledger_filters_by_colour_and_exports_masked_phones(
    client_as, enterprise_battery_maker, category, department_jingxin
):
    from freezegun import freeze_time

    with freeze_time("2026-01-05 02:00:00"):
        late = file_appeal(enterprise=enterprise_battery_maker, category=category, title="早已超期")
        appeal_dispatch(appeal=late, lead=department_jingxin, by=office_user())
    fresh = file_appeal(enterprise=enterprise_battery_maker, category=category, title="刚提交")
    client = client_as(Role.COORDINATOR)
    red = client.get(reverse("appeals:ledger"), {"colour": "red"}).content.decode()
    assert late.number in red and fresh.number not in red
    response = client.get(reverse("appeals:ledger_export"), {"colour": "red"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "诉求编号", "红黄绿")
    assert rows[1][1] == late.number and rows[1][2] == "红灯"
    assert rows[1][11] == "139****1234"
    assert len(rows) == 2
    assert AuditLog.objects.filter(action="export", detail__what="企业诉求台账").exists()


def test_the_ledger_opens_on_open_appeals_and_shows_all_or_closed_on_request(
    client_as, enterprise_battery_maker, category, department_jingxin
):
    open_one = file_appeal(enterprise=enterprise_battery_maker, category=category, title="仍在办理")
    closed = file_appeal(enterprise=enterprise_battery_maker, category=category, title="早已办结")
    Appeal.objects.filter(pk=closed.pk).update(state=AppealState.CLOSED)
    client = client_as(Role.COORDINATOR)

    default = client.get(reverse("appeals:ledger"))
    page = default.content.decode()
    assert open_one.number in page and closed.number not in page
    assert '<option value="open" selected>在办</option>' in page
    # Other filters without a state keep the 在办 default.
    searched = client.get(reverse("appeals:ledger"), {"q": "办"}).content.decode()
    assert open_one.number in searched and closed.number not in searched

    everything = client.get(reverse("appeals:ledger"), {"state": "all"}).content.decode()
    assert open_one.number in everything and closed.number in everything
    assert '<option value="all" selected>全部</option>' in everything
    done = client.get(reverse("appeals:ledger"), {"state": "closed"}).content.decode()
    assert closed.number in done and open_one.number not in done

    def exported(params: dict[str, str]) -> list[str]:
        response = client.get(reverse("appeals:ledger_export"), params)
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
        return [str(row[1]) for row in sheet.iter_rows(min_row=2, values_only=True)]

    # The export follows the page: 在办 by default, everything when 全部 was chosen.
    assert exported({}) == [open_one.number]
    assert sorted(exported({"state": "all"})) == sorted([open_one.number, closed.number])


def test_the_statistics_page_and_ranking_render_for_a_leader(
    client_as, enterprise_battery_maker, category, department_jingxin
):
    appeal = file_appeal(enterprise=enterprise_battery_maker, category=category)
    appeal_dispatch(appeal=appeal, lead=department_jingxin, by=office_user())
    appeal_sign(appeal=appeal, by=staff_of(department_jingxin))
    client = client_as(Role.LEADER)
    page = client.get(reverse("appeals:statistics")).content.decode()
    assert department_jingxin.name in page and "100.0%" in page
    assert "echarts.min.js" in page
    assert client.get(reverse("appeals:ranking")).status_code == 200


def test_a_meeting_page_records_several_appeals_at_once(
    client_as, enterprise_battery_maker, enterprise_other, category
):
    client = client_as(Role.COORDINATOR)
    data = {
        "kind": "tea",
        "title": "十一月政企茶叙会",
        "held_on": "2026-11-05",
        "rows-TOTAL_FORMS": "3",
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "30",
    }
    for index, enterprise in enumerate([enterprise_battery_maker, enterprise_other]):
        data.update(
            {
                f"rows-{index}-enterprise_text": enterprise.uscc,
                f"rows-{index}-category": str(category.pk),
                f"rows-{index}-title": f"诉求{index}",
                f"rows-{index}-description": "现场提出",
                f"rows-{index}-urgency": "normal",
            }
        )
    data["rows-2-urgency"] = "normal"
    response = client.post(reverse("appeals:meeting_new"), data)
    assert response.status_code == 302, response.content.decode()[:500]
    assert Appeal.objects.filter(meeting__title="十一月政企茶叙会").count() == 2


def test_the_office_publishes_a_months_ranking_and_the_exclusion_reason_stays_visible(
    client_as, enterprise_battery_maker, category, department_jingxin
):
    from freezegun import freeze_time

    from yingshang.appeals.models import RankingPublication
    from yingshang.appeals.services import appeal_exclude

    office = office_user()
    with freeze_time("2026-10-12 02:00:00"):
        counted = file_appeal(enterprise=enterprise_battery_maker, category=category)
        appeal_dispatch(appeal=counted, lead=department_jingxin, by=office)
        appeal_sign(appeal=counted, by=staff_of(department_jingxin))
        excluded = file_appeal(enterprise=enterprise_battery_maker, category=category)
        appeal_dispatch(appeal=excluded, lead=department_jingxin, by=office)
        appeal_exclude(appeal=excluded, by=office, reason="企业要求超出法定职责")
    client = client_as(Role.COORDINATOR)
    query = {"month": "2026-10", "response": 30, "solve": 35, "satisfaction": 35}
    page = client.get(reverse("appeals:ranking"), query).content.decode()
    assert department_jingxin.name in page
    assert "企业要求超出法定职责" in page and excluded.number in page
    response = client.post(reverse("appeals:ranking_publish"), query)
    assert response.status_code == 302
    publication = RankingPublication.objects.get()
    assert publication.rows[0]["department"] == department_jingxin.name
    assert "已发布" in client.get(reverse("appeals:ranking"), query).content.decode()
    assert client_as(Role.LEADER).post(reverse("appeals:ranking_publish"), query).status_code == 403


def test_the_enterprise_sees_the_result_only_after_the_office_review(
    client_as, enterprise_battery_maker, category, department_jingxin
):
    from yingshang.appeals.services import appeal_reply, appeal_review
    from yingshang.appeals.tests.factories import enterprise_user

    filer = enterprise_user(enterprise_battery_maker)
    appeal = file_appeal(enterprise=enterprise_battery_maker, category=category, by=filer)
    office, staff = office_user(), staff_of(department_jingxin)
    appeal_dispatch(appeal=appeal, lead=department_jingxin, by=office)
    appeal_sign(appeal=appeal, by=staff)
    appeal_reply(appeal=appeal, by=staff, content="内部草拟的答复")
    client = client_as(filer)
    assert "内部草拟的答复" not in client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    appeal.refresh_from_db()
    appeal_review(appeal=appeal, by=office, approve=True)
    page = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert "内部草拟的答复" in page and 'id="rate"' in page
