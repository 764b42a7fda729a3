"""GeoReport v2 endpoints, as an Open311 client sees them: JSON and XML, spec field names, errors, keys."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from yingshang.appeals.models import Appeal, AppealState, Channel
from yingshang.appeals.tests.factories import AppealCategoryFactory, file_appeal
from yingshang.core.models import AuditLog
from yingshang.open311.models import KeyChannel, Submission
from yingshang.open311.services import api_key_create, api_key_revoke

BASE = "/open311/v2"
pytestmark = pytest.mark.django_db


def _xml(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - our own response, not untrusted input


def _post(client: Client, fmt: str = "json", *, headers: dict[str, str] | None = None, **data: Any) -> Any:
    return client.post(f"{BASE}/requests.{fmt}", data, headers=headers or {})


def _form(key: str, category: Any, **extra: Any) -> dict[str, Any]:
    data = {
        "api_key": key,
        "service_code": category.code,
        "description": "新建产线需要增容 2000 千伏安,联系人电话 13907241234,邮箱 zhang@example.com",
        "attribute[enterprise_name]": "荆门新能源电池有限公司",
        "first_name": "伟",
        "last_name": "张",
        "phone": "13907241234",
        "email": "zhang@example.com",
        "address_string": "东宝区工业园创业大道 8 号",
        "lat": "31.0461",
        "long": "112.2003",
    }
    data.update(extra)
    return data


def test_service_list_json_has_the_spec_fields(client: Client, category: Any) -> None:
    AppealCategoryFactory.create(code="old", name="已停用分类", is_active=False)
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    services = {s["service_code"]: s for s in response.json()}
    assert "old" not in services
    power = services["ydyn-power"]
    assert set(power) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert power["service_name"] == "用电增容"
    assert power["type"] == "realtime"
    assert power["metadata"] is True
    assert power["group"] == "用地用能"
    assert power["keywords"] == "用地用能, 用电增容"


def test_service_list_xml_uses_services_and_service_elements(client: Client, category: Any) -> None:
    response = client.get(f"{BASE}/services.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    root = _xml(response.content)
    assert root.tag == "services"
    codes = [s.findtext("service_code") for s in root.findall("service")]
    assert "ydyn-power" in codes
    power = next(s for s in root.findall("service") if s.findtext("service_code") == "ydyn-power")
    assert power.findtext("metadata") == "true"
    assert power.findtext("group") == "用地用能"


def test_service_definition_lists_attributes_in_json_and_xml(client: Client, category: Any) -> None:
    data = client.get(f"{BASE}/services/ydyn-power.json").json()
    assert data["service_code"] == "ydyn-power"
    attrs = {a["code"]: a for a in data["attributes"]}
    assert attrs["enterprise_name"]["required"] is True
    assert attrs["urgency"]["datatype"] == "singlevaluelist"
    assert {v["key"] for v in attrs["urgency"]["values"]} == {"normal", "urgent", "critical"}
    assert set(attrs["external_id"]) == {
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    }
    root = _xml(client.get(f"{BASE}/services/ydyn-power.xml").content)
    assert root.tag == "service_definition"
    urgency = next(a for a in root.findall("attributes")[0].findall("attribute") if a.findtext("code") == "urgency")
    assert [v.findtext("key") for v in urgency.findall("values")[0].findall("value")] == [
        "normal",
        "urgent",
        "critical",
    ]


def test_unknown_service_is_a_404_error_list(client: Client, category: Any) -> None:
    response = client.get(f"{BASE}/services/nope.json")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "service_code nope 不存在"}]
    xml = client.get(f"{BASE}/services/nope.xml")
    assert xml.status_code == 404
    root = _xml(xml.content)
    assert root.tag == "errors"
    assert root.findall("error")[0].findtext("code") == "404"


def test_post_without_or_with_a_bad_key_is_refused_with_403(client: Client, category: Any, api_key: Any) -> None:
    form = _form("", category)
    response = _post(client, **form)
    assert response.status_code == 403
    assert response.json()[0]["code"] == 403
    bad = _post(client, "xml", **{**form, "api_key": "ys311_not-a-key"})
    assert bad.status_code == 403
    assert _xml(bad.content).findall("error")[0].findtext("code") == "403"
    key, raw = api_key
    api_key_revoke(key=key, by=None)
    revoked = _post(client, **{**form, "api_key": raw})
    assert revoked.status_code == 403
    assert "吊销" in revoked.json()[0]["description"]
    assert Appeal.objects.count() == 0
    assert AuditLog.objects.filter(action="open311_request", result="failure").count() == 2


def test_post_files_an_appeal_and_answers_in_the_spec_shape(client: Client, category: Any, api_key: Any) -> None:
    key, raw = api_key
    response = _post(client, **_form(raw, category, **{"attribute[urgency]": "urgent"}))
    assert response.status_code == 200, response.content
    [body] = response.json()
    assert set(body) == {"service_request_id", "token", "service_notice", "account_id"}
    appeal = Appeal.objects.get(number=body["service_request_id"])
    assert appeal.channel == Channel.OPEN311
    assert appeal.state == AppealState.SUBMITTED
    assert appeal.urgency == "urgent"
    assert appeal.enterprise_name == "荆门新能源电池有限公司"
    assert appeal.contact_name == "张伟"
    assert appeal.contact_phone == "13907241234"
    assert str(appeal.latitude) == "31.046100"
    assert "紧急件" in body["service_notice"]
    assert Submission.objects.get(token=body["token"]).email == "zhang@example.com"
    key.refresh_from_db()
    assert key.last_used_at is not None
    audit = AuditLog.objects.filter(action="open311_request", result="success").get()
    assert audit.detail["api_key"] == key.pk and audit.detail["created"] is True


def test_post_in_xml(client: Client, category: Any, api_key: Any) -> None:
    response = _post(client, "xml", **_form(api_key[1], category))
    assert response.status_code == 200
    root = _xml(response.content)
    assert root.tag == "service_requests"
    number = root.findall("request")[0].findtext("service_request_id")
    assert Appeal.objects.filter(number=number).exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"service_code": ""}, "缺少 service_code"),
        ({"service_code": "nope"}, "service_code 不存在"),
        ({"description": "  "}, "请填写诉求内容"),
        ({"attribute[enterprise_name]": ""}, "attribute[enterprise_name]"),
        ({"lat": "north"}, "纬度 lat"),
        ({"long": "200"}, "经度 long"),
        ({"attribute[urgency]": "asap"}, "attribute[urgency]"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_bad_input_is_a_400_with_a_clear_message(
    client: Client, category: Any, api_key: Any, extra: dict[str, str], message: str
) -> None:
    response = _post(client, **_form(api_key[1], category, **extra))
    assert response.status_code == 400
    [error] = response.json()
    assert error["code"] == 400
    assert message in error["description"]
    assert Appeal.objects.count() == 0


def test_same_key_and_external_id_files_one_appeal(client: Client, category: Any, api_key: Any) -> None:
    form = _form(api_key[1], category, **{"attribute[external_id]": "WO-0001"})
    first = _post(client, **form).json()[0]
    again = _post(client, **{**form, "description": "重复推送的同一工单"}).json()[0]
    assert again["service_request_id"] == first["service_request_id"]
    assert again["token"] == first["token"]
    assert Appeal.objects.count() == 1
    # Another key's id space is its own: the same id from a second system is a different work order.
    _, other_raw = api_key_create(name="另一系统", by=None)
    other = _post(client, **{**form, "api_key": other_raw}).json()[0]
    assert other["service_request_id"] != first["service_request_id"]
    assert Appeal.objects.count() == 2


def test_hotline_key_files_12345_appeals_and_needs_a_work_order_number(client: Client, category: Any) -> None:
    _, raw = api_key_create(name="12345热线", by=None, channel=KeyChannel.HOTLINE_12345)
    missing = _post(client, **_form(raw, category))
    assert missing.status_code == 400
    assert "工单编号" in missing.json()[0]["description"]
    ok = _post(client, **_form(raw, category, **{"attribute[external_id]": "GD20261122001"}))
    appeal = Appeal.objects.get(number=ok.json()[0]["service_request_id"])
    assert (appeal.channel, appeal.external_id) == (Channel.HOTLINE_12345, "GD20261122001")


def test_idempotency_key_retries_return_the_first_result(client: Client, category: Any, api_key: Any) -> None:
    form = _form(api_key[1], category)
    headers = {"Idempotency-Key": "retry-1"}
    first = _post(client, headers=headers, **form)
    second = _post(client, headers=headers, **form)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert Appeal.objects.count() == 1
    changed = _post(client, headers=headers, **{**form, "description": "另一件事"})
    assert changed.status_code == 422
    assert "Idempotency-Key" in changed.json()[0]["description"]
    assert Appeal.objects.count() == 1


def test_request_list_and_detail_in_json_and_xml(client: Client, category: Any, api_key: Any) -> None:
    number = _post(client, **_form(api_key[1], category)).json()[0]["service_request_id"]
    rows = client.get(f"{BASE}/requests.json").json()
    assert [r["service_request_id"] for r in rows] == [number]
    row = rows[0]
    assert row["status"] == "open"
    assert row["service_code"] == "ydyn-power"
    assert row["requested_datetime"].endswith("+08:00")
    assert row["lat"] == pytest.approx(31.0461)
    for field in ("status_notes", "agency_responsible", "service_notice", "updated_datetime", "expected_datetime"):
        assert field in row
    detail = client.get(f"{BASE}/requests/{number}.json").json()
    assert detail == rows
    root = _xml(client.get(f"{BASE}/requests/{number}.xml").content)
    assert root.tag == "service_requests"
    assert root.findall("request")[0].findtext("status") == "open"
    assert client.get(f"{BASE}/requests/SQ1999-000001.json").status_code == 404


def test_public_output_masks_personal_data(client: Client, category: Any, api_key: Any) -> None:
    _post(client, **_form(api_key[1], category))
    body = client.get(f"{BASE}/requests.json").content.decode()
    assert "13907241234" not in body
    assert "zhang@example.com" not in body
    assert "张伟" not in body
    assert "139****1234" in body


def test_confidential_appeals_show_no_content(
    client: Client, category: Any, api_key: Any, enterprise_battery_maker: Any
) -> None:
    file_appeal(enterprise=enterprise_battery_maker, category=category, confidential=True, title="保密的事")
    secret = Appeal.objects.get()
    _post(client, **_form(api_key[1], category, **{"attribute[confidential]": "1", "description": "机密的融资计划"}))
    for url in (f"{BASE}/requests.json", f"{BASE}/requests.xml", f"{BASE}/requests/{secret.number}.json"):
        body = client.get(url).content.decode()
        assert "增容 2000 千伏安" not in body  # the factory's description
        assert "机密的融资计划" not in body
        assert "工业园创业大道" not in body
        assert "【保密诉求】内容不公开" in body
    rows = client.get(f"{BASE}/requests.json").json()
    assert len(rows) == 2
    assert all(r["lat"] is None and r["agency_responsible"] == "" for r in rows)


def test_status_maps_open_and_closed(client: Client, category: Any, enterprise_battery_maker: Any) -> None:
    handling = file_appeal(enterprise=enterprise_battery_maker, category=category)
    closed = file_appeal(enterprise=enterprise_battery_maker, category=category)
    merged = file_appeal(enterprise=enterprise_battery_maker, category=category)
    Appeal.objects.filter(pk=handling.pk).update(state=AppealState.HANDLING)
    Appeal.objects.filter(pk=closed.pk).update(state=AppealState.CLOSED)
    Appeal.objects.filter(pk=merged.pk).update(state=AppealState.MERGED, merged_into=handling)
    rows = {r["service_request_id"]: r for r in client.get(f"{BASE}/requests.json").json()}
    assert rows[handling.number]["status"] == "open"
    assert rows[handling.number]["status_notes"].startswith("办理中")
    assert rows[closed.number]["status"] == "closed"
    assert rows[closed.number]["expected_datetime"] is None
    assert rows[merged.number]["status"] == "closed"
    assert rows[merged.number]["status_notes"] == f"重复诉求,已并入 {handling.number} 办理"
    only_open = client.get(f"{BASE}/requests.json", {"status": "open"}).json()
    assert [r["service_request_id"] for r in only_open] == [handling.number]
    only_closed = {r["service_request_id"] for r in client.get(f"{BASE}/requests.json?status=closed").json()}
    assert only_closed == {closed.number, merged.number}


def test_request_list_filters(client: Client, category: Any, enterprise_battery_maker: Any) -> None:
    other = AppealCategoryFactory.create(code="rz", name="融资需求")
    a = file_appeal(enterprise=enterprise_battery_maker, category=category)
    b = file_appeal(enterprise=enterprise_battery_maker, category=other)
    old = file_appeal(enterprise=enterprise_battery_maker, category=other)
    Appeal.objects.filter(pk=old.pk).update(created_at=old.created_at.replace(year=old.created_at.year - 1))
    old.refresh_from_db()

    def numbers(**params: str) -> set[str]:
        response = client.get(f"{BASE}/requests.json", params)
        assert response.status_code == 200, response.content
        return {r["service_request_id"] for r in response.json()}

    assert numbers() == {a.number, b.number}  # the default window is the last 90 days
    assert numbers(service_code="rz") == {b.number}
    assert numbers(service_request_id=f"{a.number},{old.number}") == {a.number, old.number}
    window = client.get(
        f"{BASE}/requests.json",
        {"start_date": (old.created_at.date().isoformat()), "end_date": old.created_at.date().isoformat()},
    )
    assert {r["service_request_id"] for r in window.json()} == {old.number}


@pytest.mark.parametrize(
    "params",
    [
        {"status": "pending"},
        {"start_date": "yesterday"},
        {"start_date": "2026-01-01", "end_date": "2026-06-30"},
        {"start_date": "2026-06-01", "end_date": "2026-05-01"},
    ],
)
def test_bad_list_parameters_are_400(client: Client, category: Any, params: dict[str, str]) -> None:
    response = client.get(f"{BASE}/requests.xml", params)
    assert response.status_code == 400
    root = _xml(response.content)
    assert root.tag == "errors" and root.findall("error")[0].findtext("code") == "400"


def test_token_resolves_to_the_request_id(client: Client, category: Any, api_key: Any) -> None:
    body = _post(client, **_form(api_key[1], category)).json()[0]
    data = client.get(f"{BASE}/tokens/{body['token']}.json").json()
    assert data == [{"service_request_id": body["service_request_id"], "token": body["token"]}]
    root = _xml(client.get(f"{BASE}/tokens/{body['token']}.xml").content)
    assert root.findall("request")[0].findtext("service_request_id") == body["service_request_id"]
    missing = client.get(f"{BASE}/tokens/{'0' * 32}.json")
    assert missing.status_code == 404
    assert json.loads(missing.content)[0]["code"] == 404
