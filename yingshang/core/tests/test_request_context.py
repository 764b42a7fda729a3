"""The client IP in audit rows and django-axes: forwarding headers are believed only from a trusted proxy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from axes.helpers import get_client_ip_address
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import reverse

from yingshang.accounts.roles import Role
from yingshang.accounts.tests.factories import DEFAULT_PASSWORD
from yingshang.core.audit import Action
from yingshang.core.models import AuditLog
from yingshang.core.request_context import client_ip_from_request

NGINX = "127.0.0.1"
OFFICE = "10.20.30.40"
FORGED = "8.8.8.8"


def request_from(remote: str, **headers: Any) -> HttpRequest:
    return RequestFactory(REMOTE_ADDR=remote, **headers).get("/")


def test_without_trusted_proxies_a_forged_x_real_ip_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip_from_request(request_from(OFFICE, HTTP_X_REAL_IP=FORGED)) == OFFICE


def test_a_forged_x_forwarded_for_is_ignored_without_trusted_proxies(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip_from_request(request_from(OFFICE, HTTP_X_FORWARDED_FOR=FORGED)) == OFFICE


def test_headers_from_a_client_that_is_not_the_proxy_are_ignored(settings):
    settings.TRUSTED_PROXIES = [NGINX]
    assert client_ip_from_request(request_from(OFFICE, HTTP_X_REAL_IP=FORGED)) == OFFICE


def test_behind_the_trusted_proxy_x_real_ip_is_the_client(settings):
    settings.TRUSTED_PROXIES = [NGINX]
    assert client_ip_from_request(request_from(NGINX, HTTP_X_REAL_IP=OFFICE)) == OFFICE


def test_behind_the_trusted_proxy_the_right_most_untrusted_forwarded_entry_is_the_client(settings):
    settings.TRUSTED_PROXIES = [NGINX, "172.16.0.0/12"]
    # The client typed 8.8.8.8 itself; the office address is what the first trusted proxy saw.
    request = request_from(NGINX, HTTP_X_FORWARDED_FOR=f"{FORGED}, {OFFICE}, 172.16.0.5")
    assert client_ip_from_request(request) == OFFICE


def test_a_malformed_x_real_ip_from_the_proxy_falls_back_to_the_proxy_address(settings):
    settings.TRUSTED_PROXIES = [NGINX]
    assert client_ip_from_request(request_from(NGINX, HTTP_X_REAL_IP="not-an-ip")) == NGINX


def test_django_axes_sees_the_same_address(settings):
    settings.TRUSTED_PROXIES = []
    assert get_client_ip_address(request_from(OFFICE, HTTP_X_REAL_IP=FORGED)) == OFFICE


@pytest.mark.django_db
def test_a_failed_login_with_a_forged_header_is_audited_with_the_real_address(settings, make_user):
    settings.TRUSTED_PROXIES = []
    make_user(Role.COORDINATOR, username="xietiao")
    client = Client(REMOTE_ADDR=OFFICE, HTTP_X_REAL_IP=FORGED)
    client.post(reverse("accounts:login"), {"username": "xietiao", "password": DEFAULT_PASSWORD + "x"})
    row = AuditLog.objects.get(action=Action.LOGIN_FAILED)
    assert row.ip == OFFICE


def test_a_malformed_trusted_proxy_setting_stops_the_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    env.update(
        {"DJANGO_SETTINGS_MODULE": "config.settings.dev", "YS_VAR_DIR": str(tmp_path), "TRUSTED_PROXIES": "nginx"}
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr
