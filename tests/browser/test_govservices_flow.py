"""A 容缺受理 case through one window: the clerk accepts it with the site certificate missing, the clock moves to two
working days before the supply date and the reminder reaches the enterprise, which uploads the certificate; the
市场监管 officer approves, the window issues the licence to the 24-hour locker, and the enterprise rates the service."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from yingshang.accounts.roles import Role
from yingshang.accounts.tests.factories import DepartmentFactory, UserFactory
from yingshang.core.models import Notification, OutboxMessage
from yingshang.core.workdays import add_working_days
from yingshang.enterprises.tests.factories import EnterpriseFactory
from yingshang.govservices.models import CaseState, ServiceCase, ServiceWindow
from yingshang.govservices.tests.factories import ServiceItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _logout(page) -> None:
    page.click("nav button:has-text('退出')")
    page.wait_for_url(re.compile(r"/accounts/login/|/$"))


def test_a_rongque_case_from_acceptance_to_rating(page):
    bureau = DepartmentFactory.create(name="区行政审批局", code="XZSP")
    ServiceWindow.objects.create(department=bureau, name="综合受理窗口")
    market = DepartmentFactory.create(name="区市场监督管理局", code="SCJG")
    ServiceItemFactory.create(
        code="SCJG-001",
        name="食品经营许可",
        department=market,
        legal_limit_days=20,
        committed_limit_days=10,
        materials=[("营业执照", {"form": "copy"}), ("经营场所使用证明", {"may_be_missing": True})],
    )
    restaurant = EnterpriseFactory.create(name="东宝味道餐饮有限公司")
    clerk = UserFactory.create(role=Role.DEPARTMENT_STAFF, department=bureau, username="window_wei", full_name="卫窗口")
    officer = UserFactory.create(
        role=Role.DEPARTMENT_STAFF, department=market, username="market_chen", full_name="陈科长"
    )
    owner = UserFactory.create(
        role=Role.ENTERPRISE, enterprise=restaurant, username="restaurant_zhou", full_name="周老板", phone="13907245678"
    )
    clerk_device = TOTPDevice.objects.create(user=clerk, name="手机", confirmed=True)
    officer_device = TOTPDevice.objects.create(user=officer, name="手机", confirmed=True)
    today = timezone.localdate()
    due = add_working_days(today, 4)

    # 1. The window accepts the case with the site certificate missing.
    log_in(page, "window_wei", clerk_device)
    page.click("text=办件管理")
    page.click("[data-testid=case-new]")
    page.select_option("select[name=item]", label="SCJG-001 食品经营许可")
    page.click("[data-testid=pick-submit]")
    page.fill("input[name=enterprise_uscc]", restaurant.uscc)
    page.fill("input[name=applicant_name]", "周老板")
    page.fill("input[name=applicant_phone]", "13907245678")
    page.locator("[data-testid=checklist-row]", has_text="经营场所使用证明").locator("input[value=missing]").check()
    page.fill("input[name=due_date]", due.isoformat())
    page.click("[data-testid=accept-submit]")
    expect(page.locator("[data-testid=outstanding-alert]")).to_contain_text("经营场所使用证明")
    expect(page.locator("[data-testid=case-state]")).to_have_text("已受理(审批中)")
    case = ServiceCase.objects.get()
    assert case.is_rongque and case.deadline == add_working_days(today, 10)
    _logout(page)

    # 2. The clock moves to two working days before the supply date: the reminder goes out, once.
    reminder_day = add_working_days(due, -2).isoformat()
    call_command("govservices_remind", "--today", reminder_day, "--days-before", "2")
    call_command("govservices_remind", "--today", reminder_day, "--days-before", "2")
    assert Notification.objects.filter(recipient=owner, title__contains=f"请于 {due:%Y-%m-%d} 前补齐").count() == 1
    assert OutboxMessage.objects.filter(to="13907245678", body__contains="经营场所使用证明").count() >= 1

    # 3. The enterprise reads the reminder and uploads the certificate online.
    log_in(page, "restaurant_zhou")
    page.click("text=消息中心")
    page.locator(".list-group-item", has_text=f"请于 {due:%Y-%m-%d} 前补齐容缺材料").get_by_role(
        "link", name="查看"
    ).click()
    page.wait_for_url(re.compile(rf"/services/cases/{case.pk}/"))
    row = page.locator("[data-testid=case-material]", has_text="经营场所使用证明")
    row.locator("[data-testid=supply-file]").set_input_files(
        files=[{"name": "租赁合同.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 lease"}]
    )
    row.locator("[data-testid=supply-submit]").click()
    expect(
        page.locator("[data-testid=case-material]", has_text="经营场所使用证明").locator(
            "[data-testid=material-status]"
        )
    ).to_have_text("已补齐")
    expect(page.locator("[data-testid=outstanding-alert]")).to_have_count(0)
    _logout(page)

    # 4. The market bureau approves.
    log_in(page, "market_chen", officer_device)
    page.goto(f"/services/cases/{case.pk}/")
    page.locator("[data-testid=decide-form] input[value=approve]").check()
    page.click("[data-testid=decide-submit]")
    expect(page.locator("[data-testid=case-state]")).to_have_text("审批通过待出件")
    _logout(page)

    # 5. The window issues the licence to the 24-hour locker.
    log_in(page, "window_wei", clerk_device)
    page.goto(f"/services/cases/{case.pk}/")
    page.locator("[data-testid=issue-section] input[value=locker]").check()
    page.fill("input[name=locker_number]", "A07")
    page.click("[data-testid=issue-submit]")
    expect(page.locator("[data-testid=pickup]")).to_contain_text("24小时自助取件柜 A07 号格口")
    _logout(page)

    # 6. The enterprise picks it up and rates the service.
    log_in(page, "restaurant_zhou")
    page.click("text=我的办件")
    page.click(f"text={case.number}")
    page.click("[data-testid=collect-submit]")
    expect(page.locator("[data-testid=case-state]")).to_have_text("已领取")
    page.locator("[data-testid=rate-section] input[value='5']").check()
    page.fill("textarea[name=comment]", "容缺受理先办起来,省了一趟")
    page.click("[data-testid=rate-submit]")
    expect(page.locator("[data-testid=rating-label]")).to_have_text("非常满意")
    timeline = page.inner_text("[data-testid=timeline]")
    for step in ("窗口受理", "容缺受理", "到期前提醒", "补齐容缺材料", "审批通过", "统一出件", "已领取", "申请人评价"):
        assert step in timeline, step
    case.refresh_from_db()
    assert case.state == CaseState.COLLECTED and case.on_time
