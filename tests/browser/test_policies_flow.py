"""Department staff author a rule with the form builder (no JSON), watch the live count, add a test case, publish,
see the matching progress bar complete; then an enterprise user opens 我的政策礼包 and finds the new policy with its
amount and clause, and a near miss in words."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from yingshang.accounts.roles import Role
from yingshang.accounts.tests.factories import DepartmentFactory, UserFactory
from yingshang.enterprises.models import EnterpriseFact
from yingshang.enterprises.tests.factories import EnterpriseFactory
from yingshang.policies.models import MatchResult, Policy
from yingshang.policies.services import PolicyInput, policy_case_save, policy_create, policy_publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _near_miss_policy(staff, department) -> None:
    policy = policy_create(
        data=PolicyInput(
            title="技术改造设备补助",
            reviewing_department=department,
            rule={"all": [{"var": "equipment_investment", "op": "ge", "value": "500", "clause": "第四条"}]},
            formula={
                "base": {"kind": "rate", "of": "equipment_investment", "rate": "0.10"},
                "rounding": {"unit": "fen", "mode": "half_up"},
            },
        ),
        by=staff,
    )
    policy_case_save(
        policy=policy,
        by=staff,
        name="800万元",
        facts={"equipment_investment": "800"},
        expected_verdict="eligible",
        expected_amount_fen=80_000_000,
    )
    policy_publish(policy=policy, by=staff)


def test_staff_author_and_publish_a_policy_and_the_enterprise_sees_its_package(page):
    department = DepartmentFactory.create(name="区经济和信息化局", code="JXJ-B")
    staff = UserFactory.create(role=Role.DEPARTMENT_STAFF, department=department, username="jx_browser")
    device = TOTPDevice.objects.create(user=staff, name="手机", confirmed=True)
    factory = EnterpriseFactory.create(name="荆门扩产制造有限公司", employees=300, annual_revenue=1000)
    EnterpriseFactory.create(name="东宝小微商贸有限公司", employees=12)
    UserFactory.create(role=Role.ENTERPRISE, enterprise=factory, username="qy_browser", is_enterprise_admin=True)
    EnterpriseFact.objects.create(
        enterprise=factory,
        key="equipment_investment",
        year=None,
        value="480",
        source="企业补充信息",
        as_of=timezone.localdate(),
    )
    _near_miss_policy(staff, department)

    log_in(page, "jx_browser", device)
    page.click("aside >> text=政策库")
    page.click("[data-testid=create-policy]")
    page.fill("input[name=title]", "规上企业稳岗扩产奖励")
    page.fill("input[name=doc_number]", "东人社发〔2026〕3号")
    page.click("[data-testid='add-condition-rule-r']")
    condition = page.locator("[data-testid='condition-rule-r.0']")
    condition.locator("[data-testid=var]").select_option("employees")
    condition.locator("[data-testid=op]").select_option("ge")
    condition.locator("[data-testid=value]").fill("100")
    condition.locator("[data-testid=clause]").fill("第二条")
    condition.locator("[data-testid=clause]").dispatch_event("change")
    expect(page.locator("[data-testid=preview-count]")).to_contain_text("现有 1 家企业符合,0 家信息不全")

    page.select_option("[data-testid=f-base-kind]", "rate")
    page.click("button[value=refresh]")
    page.select_option("[data-testid=f-base-of]", "annual_revenue")
    page.fill("[data-testid=f-base-rate]", "0.01")
    page.fill("[data-testid=f-cap]", "200000")
    page.fill("input[name=m0-name]", "申请表")
    page.click("[data-testid=save-policy]")
    expect(page.locator("[data-testid=policy-status]")).to_have_text("草稿")
    expect(page.locator("[data-testid=publish-problems]")).to_contain_text("请至少添加一条测试用例")

    page.click("[data-testid=open-cases]")
    page.fill("input[name=name]", "二百人、营收一千万元")
    page.fill("input[name=fact_employees]", "200")
    page.fill("input[name=fact_annual_revenue]", "1000")
    page.select_option("select[name=expected_verdict]", "eligible")
    page.fill("input[name=expected_amount]", "100000")
    page.click("[data-testid=save-case]")
    expect(page.locator("[data-testid=case-pass]")).to_have_count(1)

    page.click("text=返回政策")
    page.click("[data-testid=publish]")
    page.wait_for_url(re.compile(r"/policies/runs/\d+/"))
    expect(page.locator("[data-testid=run-progress]")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("[data-testid=run-done]")).to_contain_text("符合 1 家")
    policy = Policy.objects.get(title="规上企业稳岗扩产奖励")
    assert MatchResult.objects.filter(version=policy.current_version, enterprise=factory, verdict="eligible").exists()

    page.click("text=退出")
    log_in(page, "qy_browser")
    page.click("text=我的政策礼包")
    eligible = page.locator("[data-testid=eligible-item]")
    expect(eligible).to_have_count(1)
    expect(eligible).to_contain_text("规上企业稳岗扩产奖励")
    expect(eligible.locator("[data-testid=item-amount]")).to_have_text("100,000.00 元")
    expect(eligible).to_contain_text("第二条")
    near = page.locator("[data-testid=near-item]")
    expect(near).to_contain_text("技术改造设备补助")
    expect(near).to_contain_text("还差 20 万元")
