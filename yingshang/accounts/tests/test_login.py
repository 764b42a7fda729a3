"""Password login: Chinese page, audit trail, lockout after 5 failures for 15 minutes, session rotation and idle end."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from yingshang.accounts.roles import Role
from yingshang.core.audit import Action
from yingshang.core.middleware import SEEN_KEY
from yingshang.core.models import AuditResult

from .helpers import audit_rows, logged_in_user_id, post_login

pytestmark = pytest.mark.django_db

LOCKED_MESSAGE = "账号已被锁定,请15分钟后再试或联系安全管理员"


def _fail_five_times(client: Client, username: str) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, username, "Wrong-pass-999")


def test_login_page_asks_for_username_and_password_in_chinese(client: Client) -> None:
    page = client.get(reverse("accounts:login")).content.decode()
    assert "用户名" in page
    assert "密码" in page
    assert "登录" in page
    assert '<label class="form-label" for="id_username">用户名' in page
    assert '<label class="form-label" for="id_password">密码' in page


@override_settings(STAFF_2FA_REQUIRED=False)
def test_login_page_warns_when_staff_two_factor_is_not_enforced(client: Client) -> None:
    page = client.get(reverse("accounts:login")).content.decode()
    assert "演示模式:工作人员双因素登录未强制启用" in page


def test_login_page_has_no_demo_warning_when_two_factor_is_enforced(client: Client) -> None:
    page = client.get(reverse("accounts:login")).content.decode()
    assert "演示模式" not in page


def test_enterprise_user_without_authenticator_logs_straight_in(client: Client, battery_clerk) -> None:
    response = post_login(client, "battery_clerk")

    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert logged_in_user_id(client) == str(battery_clerk.pk)
    assert "工作台" in client.get("/").content.decode()


def test_wrong_password_is_refused_with_a_chinese_message(client: Client, battery_clerk) -> None:
    response = post_login(client, "battery_clerk", "Wrong-pass-999")

    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_successful_login_is_audited(client: Client, battery_clerk) -> None:
    post_login(client, "battery_clerk")

    (row,) = audit_rows(Action.LOGIN)
    assert row.user == battery_clerk
    assert row.ip == "127.0.0.1"


def test_failed_login_is_audited_with_the_attempted_username(client: Client, battery_clerk) -> None:
    post_login(client, "battery_clerk", "Wrong-pass-999")

    (row,) = audit_rows(Action.LOGIN_FAILED)
    assert row.username == "battery_clerk"
    assert row.result == AuditResult.FAILURE


def test_logout_is_a_post_and_is_audited(client: Client, battery_clerk) -> None:
    post_login(client, "battery_clerk")

    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert logged_in_user_id(client) is None
    (row,) = audit_rows(Action.LOGOUT)
    assert row.user == battery_clerk


def test_login_follows_a_local_next_url_but_not_a_foreign_one(client: Client, battery_clerk) -> None:
    assert post_login(client, "battery_clerk", next="/inbox/")["Location"] == "/inbox/"
    client.post(reverse("accounts:logout"))
    assert post_login(client, "battery_clerk", next="https://evil.example/")["Location"] == reverse("core:home")


def test_session_key_changes_at_login(client: Client, battery_clerk) -> None:
    session = client.session  # creates a session and its cookie before the login, as an attacker could plant
    session["probe"] = True
    session.save()
    key_before = session.session_key

    post_login(client, "battery_clerk")

    assert client.session.session_key != key_before
    assert logged_in_user_id(client) == str(battery_clerk.pk)


def test_five_failures_lock_the_account_and_the_right_password_is_then_refused(client: Client, battery_clerk) -> None:
    _fail_five_times(client, "battery_clerk")

    response = post_login(client, "battery_clerk")

    assert response.status_code == 429
    assert LOCKED_MESSAGE in response.content.decode()
    assert logged_in_user_id(client) is None


def test_the_fifth_failure_already_shows_the_lockout_page(client: Client, battery_clerk) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert post_login(client, "battery_clerk", "Wrong-pass-999").status_code == 200

    response = post_login(client, "battery_clerk", "Wrong-pass-999")

    assert response.status_code == 429
    assert LOCKED_MESSAGE in response.content.decode()


def test_a_lockout_is_audited(client: Client, battery_clerk) -> None:
    _fail_five_times(client, "battery_clerk")

    assert audit_rows(Action.LOCKED_OUT, username="battery_clerk")


def test_four_failures_do_not_lock_the_account(client: Client, battery_clerk) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        post_login(client, "battery_clerk", "Wrong-pass-999")

    assert post_login(client, "battery_clerk").status_code == 302


def test_a_lockout_ends_after_15_minutes(client: Client, battery_clerk) -> None:
    _fail_five_times(client, "battery_clerk")
    assert post_login(client, "battery_clerk").status_code == 429

    AccessAttempt.objects.filter(username="battery_clerk").update(
        attempt_time=timezone.now() - timedelta(minutes=15, seconds=1)
    )
    response = post_login(client, "battery_clerk")

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(battery_clerk.pk)


def test_a_lockout_is_still_in_force_after_14_minutes(client: Client, battery_clerk) -> None:
    _fail_five_times(client, "battery_clerk")

    AccessAttempt.objects.filter(username="battery_clerk").update(attempt_time=timezone.now() - timedelta(minutes=14))

    assert post_login(client, "battery_clerk").status_code == 429


def test_locking_one_account_leaves_colleagues_on_the_same_network_alone(
    client: Client, battery_clerk, battery_admin
) -> None:
    _fail_five_times(client, "battery_clerk")

    assert post_login(Client(), "battery_admin").status_code == 302


def test_sessions_end_after_30_idle_minutes() -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_REFRESH_SECONDS == 60


def _last_saved(client: Client, seconds_ago: int, *, expires_in: timedelta) -> None:
    store = client.session
    store[SEEN_KEY] = int(time.time()) - seconds_ago
    store.save()
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() + expires_in)


def test_a_request_a_minute_after_the_last_save_pushes_the_expiry_30_minutes_ahead(
    client: Client, battery_clerk
) -> None:
    post_login(client, "battery_clerk")
    _last_saved(client, 61, expires_in=timedelta(minutes=1))

    client.get("/")

    expire_date = Session.objects.get(session_key=client.session.session_key).expire_date
    remaining = (expire_date - timezone.now()).total_seconds()
    assert 1800 - 10 < remaining <= 1800


def test_requests_within_the_minute_do_not_rewrite_the_session(client: Client, battery_clerk) -> None:
    post_login(client, "battery_clerk")
    _last_saved(client, 5, expires_in=timedelta(minutes=20))
    before = Session.objects.get(session_key=client.session.session_key).expire_date

    client.get("/")
    client.get(reverse("accounts:security"))

    assert Session.objects.get(session_key=client.session.session_key).expire_date == before


def test_anonymous_visitors_get_no_session_row(client: Client) -> None:
    client.get(reverse("accounts:login"))
    client.get("/healthz")
    assert Session.objects.count() == 0


def test_an_expired_session_is_logged_out(client: Client, battery_clerk) -> None:
    post_login(client, "battery_clerk")
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    response = client.get(reverse("accounts:security"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_disabled_account_cannot_log_in(client: Client, make_user) -> None:
    make_user(Role.ENTERPRISE, username="former_staff", is_active=False)

    response = post_login(client, "former_staff")

    assert response.status_code == 200
    assert logged_in_user_id(client) is None
