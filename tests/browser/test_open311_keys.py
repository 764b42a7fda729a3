"""The office creates an Open311 API key in the browser, sees it once, an outside system files an appeal with it,
the key page shows it used, and after revoking it the same POST is refused in GeoReport v2's error format."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from yingshang.accounts.roles import Role
from yingshang.accounts.tests.factories import UserFactory
from yingshang.appeals.models import Appeal, Channel
from yingshang.appeals.tests.factories import AppealCategoryFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _post(raw_key: str) -> tuple[int, object]:
    response = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": raw_key,
            "service_code": "ydyn",
            "description": "新建产线需要用电增容 2000 千伏安",
            "attribute[enterprise_name]": "荆门新能源电池有限公司",
            "attribute[external_id]": "GD-BROWSER-1",
        },
    )
    return response.status_code, response.json()


def test_office_creates_uses_and_revokes_an_open311_key(page):
    AppealCategoryFactory.create(code="ydyn", name="用地用能")
    coordinator = UserFactory.create(role=Role.COORDINATOR, username="ysb_open311", full_name="营商办 测试员")
    device = TOTPDevice.objects.create(user=coordinator, name="手机", confirmed=True)
    log_in(page, "ysb_open311", device)

    page.get_by_role("list").get_by_role("link", name="Open311 接口密钥").click()
    page.get_by_test_id("key-new").click()
    page.fill("input[name=name]", "省12345平台")
    page.select_option("select[name=channel]", "12345")
    page.get_by_role("button", name="创建").click()
    raw_key = page.get_by_test_id("raw-key").input_value()
    assert raw_key.startswith("ys311_")
    expect(page.get_by_text("密钥只显示这一次")).to_be_visible()

    status, body = _post(raw_key)
    assert status == 200, body
    appeal = Appeal.objects.get()
    assert (appeal.channel, appeal.external_id) == (Channel.HOTLINE_12345, "GD-BROWSER-1")

    page.get_by_role("link", name="完成").click()
    table = page.get_by_test_id("key-table")
    expect(table).to_contain_text("省12345平台")
    expect(table).not_to_contain_text("从未使用")
    expect(table).not_to_contain_text(raw_key)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("key-revoke").click()
    expect(page.get_by_text("已吊销密钥「省12345平台」")).to_be_visible()
    expect(table).to_contain_text("已吊销")
    status, body = _post(raw_key)
    assert status == 403
    assert body == [{"code": 403, "description": "api_key 无效或已吊销"}]
