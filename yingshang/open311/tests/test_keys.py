"""The office's API-key pages and command: a key is shown once, stored only as a hash, revocable, audited."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from yingshang.accounts.roles import Role
from yingshang.core.models import AuditLog
from yingshang.open311.models import ApiKey, KeyChannel
from yingshang.open311.services import api_key_authenticate, api_key_create, key_hash

pytestmark = pytest.mark.django_db


def test_office_creates_a_key_that_is_shown_once_and_stored_hashed(client_as: Any) -> None:
    client = client_as(Role.COORDINATOR)
    assert client.get("/open311/v2/keys/new/").status_code == 200
    response = client.post("/open311/v2/keys/new/", {"name": "省12345平台", "channel": KeyChannel.HOTLINE_12345})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    raw = response.context["raw_key"]
    assert raw.startswith("ys311_") and raw in response.content.decode()
    key = ApiKey.objects.get()
    assert key.channel == KeyChannel.HOTLINE_12345
    assert key.key_hash == key_hash(raw) and raw not in key.key_hash
    assert key.created_by == client.user
    listing = client.get("/open311/v2/keys/").content.decode()
    assert "省12345平台" in listing and key.prefix in listing
    assert raw not in listing  # never shown again
    assert AuditLog.objects.filter(action="open311_key_created", object_id=str(key.pk)).exists()


def test_a_key_needs_a_name(client_as: Any) -> None:
    client = client_as(Role.COORDINATOR)
    response = client.post("/open311/v2/keys/new/", {"name": "  ", "channel": KeyChannel.OPEN311})
    assert response.status_code == 400
    assert ApiKey.objects.count() == 0


def test_revoked_keys_stop_working(client_as: Any) -> None:
    key, raw = api_key_create(name="测试系统", by=None)
    assert api_key_authenticate(raw) == key
    client = client_as(Role.COORDINATOR)
    response = client.post(f"/open311/v2/keys/{key.pk}/revoke/")
    assert response.status_code == 302
    key.refresh_from_db()
    assert not key.is_active and key.revoked_by == client.user
    assert api_key_authenticate(raw) is None
    assert AuditLog.objects.filter(action="open311_key_revoked", object_id=str(key.pk)).exists()
    again = client.post(f"/open311/v2/keys/{key.pk}/revoke/", follow=True)
    assert "该密钥已吊销" in again.content.decode()


@pytest.mark.parametrize("role", [Role.DEPARTMENT_STAFF, Role.LEADER, Role.SYSTEM_ADMIN, Role.ENTERPRISE])
def test_only_the_office_manages_keys(client_as: Any, role: str) -> None:
    key, _ = api_key_create(name="测试系统", by=None)
    client = client_as(role)
    assert client.get("/open311/v2/keys/").status_code == 403
    assert client.post("/open311/v2/keys/new/", {"name": "x", "channel": "open311"}).status_code == 403
    assert client.post(f"/open311/v2/keys/{key.pk}/revoke/").status_code == 403
    key.refresh_from_db()
    assert key.is_active and ApiKey.objects.count() == 1


def test_management_command_prints_the_key_once() -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("open311_key_create", "市民热线", "--channel", "12345", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    key = api_key_authenticate(raw)
    assert key is not None and key.name == "市民热线" and key.channel == KeyChannel.HOTLINE_12345
    assert key.created_by is None
    assert "只显示这一次" in err.getvalue()


def test_menu_shows_the_key_page_to_the_office_only(client_as: Any) -> None:
    assert "Open311 接口密钥" in client_as(Role.COORDINATOR).get("/").content.decode()
    assert "Open311 接口密钥" not in client_as(Role.DEPARTMENT_STAFF).get("/").content.decode()
