"""The office coordinator logs in (password + TOTP), imports an xlsx of enterprises with some bad rows, reads the
error report, confirms, and finds the good rows in the enterprise list."""

from __future__ import annotations

import random
from pathlib import Path

import openpyxl
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from yingshang.accounts.roles import Role
from yingshang.accounts.tests.factories import UserFactory
from yingshang.enterprises.models import Enterprise
from yingshang.enterprises.tests.factories import EnterpriseFactory, TownshipFactory
from yingshang.enterprises.validators import generate_uscc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _workbook(path: Path) -> dict[str, str]:
    rng = random.Random(99)
    good = {f"东宝浏览器测试{kind}有限公司": generate_uscc(rng) for kind in ("机械", "食品", "电子")}
    wb = openpyxl.Workbook()
    ws = wb.worksheets[0]
    ws.append(["统一社会信用代码*", "企业名称*", "乡镇/街道", "规模", "营业收入(万元)", "成立日期", "联系电话"])
    for name, code in good.items():
        ws.append([code.lower(), name, "子陵铺镇", "规上", "5200.5", "2019-03-08", "13907241234"])
    bad_checksum = generate_uscc(rng)
    bad_checksum = bad_checksum[:-1] + ("1" if bad_checksum[-1] != "1" else "2")
    ws.append([bad_checksum, "校验位错误有限公司", "子陵铺镇", "规下", "10", "2020-01-01", ""])
    ws.append([next(iter(good.values())), "重复代码有限公司", "子陵铺镇", "规下", "10", "2020-01-01", ""])
    ws.append([generate_uscc(rng), "", "子陵铺镇", "规下", "10", "2020-01-01", ""])
    ws.append([generate_uscc(rng), "金额错误有限公司", "子陵铺镇", "规下", "一百万", "2020-01-01", ""])
    ws.append([generate_uscc(rng), "日期错误有限公司", "子陵铺镇", "规下", "10", "2020-13-45", ""])
    wb.save(path)
    return good


def test_coordinator_imports_enterprises_and_finds_the_good_rows(page, tmp_path):
    TownshipFactory.create(name="子陵铺镇")
    EnterpriseFactory.create(name="荆门已有企业有限公司")
    coordinator = UserFactory.create(role=Role.COORDINATOR, username="ysb_browser", full_name="营商办 测试员")
    device = TOTPDevice.objects.create(user=coordinator, name="手机", confirmed=True)
    good = _workbook(tmp_path / "企业导入.xlsx")

    log_in(page, "ysb_browser", device)
    page.click("text=企业导入")
    page.set_input_files("input[name=file]", str(tmp_path / "企业导入.xlsx"))
    page.click("text=上传并校验")

    page.wait_for_selector("[data-testid=import-errors]")
    assert page.inner_text("[data-testid=valid-rows]").strip() == "3"
    assert page.inner_text("[data-testid=rejected-rows]").strip() == "5"
    errors = page.inner_text("[data-testid=import-errors]")
    for reason in ("校验位", "重复", "企业名称", "数字", "日期"):
        assert reason in errors, f"错误报告应说明:{reason}"
    assert page.locator("[data-testid=import-error-row]").count() == 5
    assert Enterprise.objects.count() == 1, "确认前不应写入任何企业"

    page.click("[data-testid=confirm-import]")
    page.wait_for_selector("[data-testid=import-done]")
    assert page.inner_text("[data-testid=created-count]").strip() == "3"

    page.click("text=企业库")
    page.wait_for_selector("[data-testid=enterprise-row]")
    listing = page.inner_text("main")
    for name in good:
        assert name in listing
    assert "校验位错误有限公司" not in listing
    assert page.locator("[data-testid=enterprise-row]").count() == 4
    page.fill("input[name=q]", "DBLLQCS")  # pinyin initials of 东宝浏览器测试
    expect(page.locator("[data-testid=enterprise-row]")).to_have_count(3)
    assert "荆门已有企业有限公司" not in page.inner_text("main")
    imported = set(Enterprise.objects.exclude(name="荆门已有企业有限公司").values_list("uscc", flat=True))
    assert imported == {c.upper() for c in good.values()}
