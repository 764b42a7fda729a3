"""The closed loop in a real browser: an enterprise files an appeal with an attachment, the office dispatches it,
the department signs; two weeks pass (the stored deadline moves into the past) and the ledger shows it red; the
department replies late, the office reviews and does the 回访 with a rating; the statistics page shows the
department's 响应率, 满意率 and 按期办结率 accordingly."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from yingshang.accounts.roles import Role
from yingshang.accounts.tests.factories import DEFAULT_PASSWORD, DepartmentFactory, UserFactory
from yingshang.appeals.models import Appeal, AppealState
from yingshang.appeals.tests.factories import AppealCategoryFactory
from yingshang.core.workdays import add_working_days
from yingshang.enterprises.tests.factories import EnterpriseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    if user.is_staff_role:
        # A fresh device per login: TOTP refuses a code used twice in the same 30-second window.
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name="手机", confirmed=True)
        page.wait_for_url(re.compile(r"/accounts/otp/"))
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        page.fill("input[name=token]", f"{code:06d}")
        page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def _logout(page) -> None:
    page.click("button:has-text('退出')")
    page.wait_for_url(re.compile(r"/"))


def test_an_appeal_goes_round_the_loop_and_the_figures_follow(page, tmp_path):
    department = DepartmentFactory.create(name="区自然资源和规划局")
    AppealCategoryFactory.create(name="用地保障", default_department=department, limit_normal_days=5)
    enterprise = EnterpriseFactory.create(name="荆门浏览器测试电池有限公司")
    filer = UserFactory.create(role=Role.ENTERPRISE, enterprise=enterprise, username="qiye_b", full_name="周经理")
    office = UserFactory.create(role=Role.COORDINATOR, username="ysb_b", full_name="刘协调")
    staff = UserFactory.create(role=Role.DEPARTMENT_STAFF, department=department, username="zrzy_b")
    pdf = tmp_path / "用地红线图.pdf"
    pdf.write_bytes(b"%PDF-1.4 test")

    # The enterprise files.
    _login(page, filer)
    page.click("text=我的诉求")
    page.click("[data-testid=new-appeal]")
    page.select_option("select[name=category]", label="用地保障")
    page.fill("input[name=title]", "二期厂房用地指标迟迟未落实")
    page.fill("textarea[name=description]", "项目已签约一年,用地指标仍未落实,影响开工。")
    page.set_input_files("input[name=attachments]", str(pdf))
    page.click("[data-testid=submit-appeal]")
    number = page.inner_text("[data-testid=appeal-number]").strip()
    assert re.fullmatch(r"SQ\d{4}-\d{6}", number)
    expect(page.locator("[data-testid=appeal-state]")).to_have_text("待分派")
    appeal = Appeal.objects.get(number=number)
    _logout(page)

    # The office dispatches it to the category's default department.
    _login(page, office)
    page.click("text=诉求工作台")
    page.click(f"text={number}")
    expect(page.locator("select[name=lead]")).to_have_value(str(department.pk))
    page.click("[data-testid=submit-dispatch]")
    expect(page.locator("[data-testid=appeal-state]")).to_have_text("待签收")
    _logout(page)

    # The department signs.
    _login(page, staff)
    page.click("text=部门待办诉求")
    page.click(f"[data-testid=inbox] >> text={number}")
    page.click("[data-testid=submit-sign]")
    expect(page.locator("[data-testid=appeal-state]")).to_have_text("办理中")
    _logout(page)

    # Green while on track …
    _login(page, office)
    page.goto("/appeals/ledger/?colour=green")
    expect(page.locator(f"[data-number='{number}'] [data-testid=colour]")).to_have_attribute("data-colour", "green")
    # … then two weeks pass: the stored deadline is now in the past, and the ledger shows red without any job.
    overdue = add_working_days(timezone.localdate(), -3)
    Appeal.objects.filter(pk=appeal.pk).update(
        deadline=overdue, handle_deadline=overdue, yellow_from=add_working_days(overdue, -1)
    )
    page.goto("/appeals/ledger/?colour=red")
    expect(page.locator(f"[data-number='{number}'] [data-testid=colour]")).to_have_attribute("data-colour", "red")
    expect(page.locator("[data-testid=count-red]")).to_have_text("红 1")
    _logout(page)

    # The department replies (late).
    _login(page, staff)
    page.goto(f"/appeals/{appeal.pk}/")
    page.fill("textarea[name=content]", "已调整年度用地计划,指标本月下达。")
    page.click("[data-testid=submit-reply]")
    expect(page.locator("[data-testid=appeal-state]")).to_have_text("待审核")
    _logout(page)

    # The office reviews, then 回访 with a rating.
    _login(page, office)
    page.goto(f"/appeals/{appeal.pk}/")
    page.click("[data-testid=submit-review]")
    expect(page.locator("[data-testid=appeal-state]")).to_have_text("待回访")
    page.select_option("#follow-up select[name=resolution]", "solved")
    page.select_option("#follow-up select[name=rating]", "5")
    page.fill("#follow-up input[name=comment]", "企业表示满意")
    page.click("[data-testid=submit-follow-up]")
    expect(page.locator("[data-testid=appeal-state]")).to_have_text("已办结")
    # Replied after the deadline: it stays red in the ledger.
    expect(page.locator("[data-testid=colour]")).to_have_attribute("data-colour", "red")
    expect(page.locator("[data-testid=follow-ups]")).to_contain_text("非常满意")

    page.click("text=诉求统计")
    row = page.locator(f"[data-testid=stats-row][data-department='{department.name}']")
    expect(row.locator("[data-rate=response]")).to_have_text("100.0%")
    expect(row.locator("[data-rate=satisfaction]")).to_have_text("100.0%")
    expect(row.locator("[data-rate=solve]")).to_have_text("100.0%")
    expect(row.locator("[data-rate=on_time]")).to_have_text("0.0%")
    expect(page.locator("#chart-rates canvas")).to_have_count(1)
    _logout(page)

    # The enterprise sees the result and the timeline, without internal notes.
    _login(page, filer)
    page.goto(f"/appeals/{appeal.pk}/")
    expect(page.locator("[data-testid=reply-content]")).to_contain_text("指标本月下达")
    expect(page.locator("[data-testid=timeline]")).not_to_contain_text("内部")
    appeal.refresh_from_db()
    assert appeal.state == AppealState.CLOSED and appeal.last_rating == 5
    assert appeal.attachments.count() == 1
    assert timezone.now() - appeal.created_at < timedelta(hours=1)
