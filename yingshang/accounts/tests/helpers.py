"""Small helpers the account tests share: TOTP codes, logging in through the real login page, audit lookups."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from yingshang.core.models import AuditLog

from .factories import DEFAULT_PASSWORD


def totp_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def wrong_code(device: TOTPDevice) -> str:
    # Far from the accepted window (previous, current and next step) of the right code.
    return f"{(int(totp_code(device)) + 500_000) % 1_000_000:06d}"


def post_login(client: Client, username: str, password: str = DEFAULT_PASSWORD, **extra: Any) -> Any:
    return client.post(reverse("accounts:login"), {"username": username, "password": password, **extra})


def audit_rows(action: str, **filters: Any) -> list[AuditLog]:
    return list(AuditLog.objects.filter(action=action, **filters).order_by("seq"))


def logged_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def queries_to_render(client: Client, url: str) -> int:
    """How many SQL queries one GET of `url` costs; the page must answer 200."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)
