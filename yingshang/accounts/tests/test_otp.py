"""TOTP two-factor login: staff enrol at first login, anyone with an authenticator must use it, codes are audited."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from yingshang.accounts.roles import Role
from yingshang.core.audit import Action
from yingshang.core.models import AuditResult

from .helpers import audit_rows, logged_in_user_id, post_login, totp_code, wrong_code

pytestmark = pytest.mark.django_db

OTP_URL = reverse("accounts:otp")


def _enrollment_device(user) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=False)


# --- staff without an authenticator: enrolment ---------------------------------------------------------------------


def test_staff_login_without_a_device_is_sent_to_enrollment(client: Client, coordinator_zhang) -> None:
    response = post_login(client, "zhang_coord")
    assert response["Location"] == OTP_URL

    page = client.get(OTP_URL).content.decode()

    assert "绑定动态口令" in page
    assert "<svg" in page
    assert "手动输入密钥" in page


def test_the_password_alone_does_not_log_staff_in(client: Client, coordinator_zhang) -> None:
    post_login(client, "zhang_coord")

    assert logged_in_user_id(client) is None
    assert client.get(reverse("accounts:security"))["Location"].startswith(reverse("accounts:login"))


def test_the_secret_shown_for_manual_entry_is_the_device_key_in_base32(client: Client, coordinator_zhang) -> None:
    from base64 import b32encode

    post_login(client, "zhang_coord")
    page = client.get(OTP_URL).content.decode()

    secret = b32encode(_enrollment_device(coordinator_zhang).bin_key).decode()
    assert secret[:4] + " " + secret[4:8] in page


def test_reloading_the_enrollment_page_keeps_the_same_secret(client: Client, coordinator_zhang) -> None:
    post_login(client, "zhang_coord")
    client.get(OTP_URL)
    first = _enrollment_device(coordinator_zhang).pk

    client.get(OTP_URL)

    assert _enrollment_device(coordinator_zhang).pk == first


def test_confirming_enrollment_with_the_right_code_logs_in_verified(client: Client, coordinator_zhang) -> None:
    post_login(client, "zhang_coord")
    client.get(OTP_URL)
    device = _enrollment_device(coordinator_zhang)

    response = client.post(OTP_URL, {"token": totp_code(device)})

    assert response["Location"] == reverse("core:home")
    device.refresh_from_db()
    assert device.confirmed
    assert logged_in_user_id(client) == str(coordinator_zhang.pk)
    assert client.get("/").status_code == 200  # the 2FA middleware lets a verified session through
    (row,) = audit_rows(Action.OTP_ENROLLED)
    assert row.user == coordinator_zhang


def test_confirming_enrollment_with_a_wrong_code_is_refused(client: Client, coordinator_zhang) -> None:
    post_login(client, "zhang_coord")
    client.get(OTP_URL)
    device = _enrollment_device(coordinator_zhang)

    response = client.post(OTP_URL, {"token": wrong_code(device)})

    assert response.status_code == 200
    assert "动态口令不正确" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=coordinator_zhang, confirmed=True).exists()
    assert logged_in_user_id(client) is None
    assert audit_rows(Action.OTP_FAILED, user=coordinator_zhang)


def test_a_code_must_be_six_digits(client: Client, coordinator_zhang) -> None:
    post_login(client, "zhang_coord")

    response = client.post(OTP_URL, {"token": "12ab"})

    assert "请输入手机验证器显示的 6 位数字" in response.content.decode()


# --- anyone with an authenticator: verification --------------------------------------------------------------------


def test_staff_with_a_device_is_asked_for_the_code(client: Client, coordinator_zhang, confirmed_device) -> None:
    confirmed_device(coordinator_zhang)

    post_login(client, "zhang_coord")
    page = client.get(OTP_URL).content.decode()

    assert "输入动态口令" in page
    assert "<svg" not in page


def test_the_right_code_logs_staff_in(client: Client, coordinator_zhang, confirmed_device) -> None:
    device = confirmed_device(coordinator_zhang)
    post_login(client, "zhang_coord", next="/inbox/")

    response = client.post(OTP_URL, {"token": totp_code(device)})

    assert response["Location"] == "/inbox/"
    assert logged_in_user_id(client) == str(coordinator_zhang.pk)
    assert client.session["otp_device_id"] == device.persistent_id
    assert audit_rows(Action.LOGIN, user=coordinator_zhang)


def test_a_wrong_code_is_refused_in_chinese_and_audited(client: Client, coordinator_zhang, confirmed_device) -> None:
    device = confirmed_device(coordinator_zhang)
    post_login(client, "zhang_coord")

    response = client.post(OTP_URL, {"token": wrong_code(device)})

    assert "动态口令错误,请重新输入" in response.content.decode()
    assert logged_in_user_id(client) is None
    (row,) = audit_rows(Action.OTP_FAILED)
    assert row.user == coordinator_zhang
    assert row.result == AuditResult.FAILURE


def test_a_code_cannot_be_used_twice(client: Client, coordinator_zhang, confirmed_device) -> None:
    device = confirmed_device(coordinator_zhang)
    code = totp_code(device)
    post_login(client, "zhang_coord")
    client.post(OTP_URL, {"token": code})

    other = Client()
    post_login(other, "zhang_coord")
    other.post(OTP_URL, {"token": code})

    assert logged_in_user_id(other) is None


def test_five_wrong_codes_send_the_user_back_to_the_password(
    client: Client, coordinator_zhang, confirmed_device
) -> None:
    device = confirmed_device(coordinator_zhang)
    post_login(client, "zhang_coord")

    for _ in range(4):
        client.post(OTP_URL, {"token": wrong_code(device)})
    response = client.post(OTP_URL, {"token": wrong_code(device)})

    assert response["Location"] == reverse("accounts:login")
    assert client.get(OTP_URL)["Location"] == reverse("accounts:login")


def test_enterprise_user_with_an_authenticator_must_enter_the_code(
    client: Client, battery_clerk, confirmed_device
) -> None:
    device = confirmed_device(battery_clerk)

    assert post_login(client, "battery_clerk")["Location"] == OTP_URL
    assert logged_in_user_id(client) is None

    client.post(OTP_URL, {"token": totp_code(device)})
    assert logged_in_user_id(client) == str(battery_clerk.pk)


@override_settings(STAFF_2FA_REQUIRED=False)
def test_in_demo_mode_staff_without_a_device_log_straight_in(client: Client, coordinator_zhang) -> None:
    response = post_login(client, "zhang_coord")

    assert response["Location"] == reverse("core:home")
    assert logged_in_user_id(client) == str(coordinator_zhang.pk)


def test_the_otp_page_without_a_password_step_goes_to_login(client: Client) -> None:
    assert client.get(OTP_URL)["Location"] == reverse("accounts:login")


# --- sessions that are logged in but not verified ------------------------------------------------------------------


def _unverified_client(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.mark.parametrize(
    "url_name", ["accounts:user_list", "accounts:department_list", "accounts:security", "accounts:password_change"]
)
def test_unverified_staff_cannot_reach_account_pages(sysadmin, url_name: str) -> None:
    client = _unverified_client(sysadmin)

    response = client.get(reverse(url_name))

    assert response.status_code == 302
    assert response["Location"].startswith(OTP_URL)


def test_unverified_staff_get_403_from_the_api(sysadmin) -> None:
    response = _unverified_client(sysadmin).get("/api/v1/accounts/me")

    assert response.status_code == 403
    assert response.json()["detail"] == "需要完成双因素认证"


def test_unverified_staff_can_verify_on_the_otp_page(sysadmin, confirmed_device) -> None:
    device = confirmed_device(sysadmin)
    client = _unverified_client(sysadmin)

    client.post(OTP_URL + "?next=/accounts/users/", {"token": totp_code(device), "next": "/accounts/users/"})

    assert client.get(reverse("accounts:user_list")).status_code == 200


# --- 账号安全: optional TOTP for enterprise users --------------------------------------------------------------------


def test_enterprise_user_can_enable_an_authenticator(client_as, battery_clerk) -> None:
    client = client_as(battery_clerk)
    page = client.get(reverse("accounts:security_otp_enable")).content.decode()
    assert "<svg" in page

    device = _enrollment_device(battery_clerk)
    response = client.post(reverse("accounts:security_otp_enable"), {"token": totp_code(device)})

    assert response["Location"] == reverse("accounts:security")
    assert TOTPDevice.objects.filter(user=battery_clerk, confirmed=True).exists()
    assert audit_rows(Action.OTP_ENROLLED, user=battery_clerk)
    assert "已启用" in client.get(reverse("accounts:security")).content.decode()


def test_enabling_with_a_wrong_code_keeps_the_same_secret_and_says_why(client_as, battery_clerk) -> None:
    client = client_as(battery_clerk)
    client.get(reverse("accounts:security_otp_enable"))
    device = _enrollment_device(battery_clerk)

    response = client.post(reverse("accounts:security_otp_enable"), {"token": wrong_code(device)})

    assert response.status_code == 200
    assert "动态口令不正确" in response.content.decode()
    assert _enrollment_device(battery_clerk).pk == device.pk
    assert not TOTPDevice.objects.filter(user=battery_clerk, confirmed=True).exists()


def test_enterprise_user_can_disable_their_authenticator_with_a_current_code(
    client_as, battery_clerk, confirmed_device
) -> None:
    device = confirmed_device(battery_clerk)
    client = client_as(battery_clerk)

    response = client.post(reverse("accounts:security_otp_disable"), {"token": totp_code(device)}, follow=True)

    assert not TOTPDevice.objects.filter(user=battery_clerk).exists()
    assert "已停用动态口令" in response.content.decode()
    (row,) = audit_rows(Action.ACCOUNT_UPDATED, user=battery_clerk)
    assert row.detail == {"otp_devices": {"from": 1, "to": 0}}


def test_disabling_needs_the_right_code(client_as, battery_clerk, confirmed_device) -> None:
    device = confirmed_device(battery_clerk)
    client = client_as(battery_clerk)

    response = client.post(reverse("accounts:security_otp_disable"), {"token": wrong_code(device)}, follow=True)

    assert TOTPDevice.objects.filter(user=battery_clerk, confirmed=True).exists()
    assert "动态口令错误,请重新输入" in response.content.decode()
    assert audit_rows(Action.OTP_FAILED, user=battery_clerk)
    assert not audit_rows(Action.ACCOUNT_UPDATED)


def test_staff_cannot_disable_their_authenticator_while_it_is_enforced(client_as, coordinator_zhang) -> None:
    client = client_as(coordinator_zhang)  # client_as enrols and verifies a device for staff
    device = TOTPDevice.objects.get(user=coordinator_zhang)

    response = client.post(reverse("accounts:security_otp_disable"), {"token": totp_code(device)}, follow=True)

    assert TOTPDevice.objects.filter(user=coordinator_zhang, confirmed=True).exists()
    assert "工作人员必须使用双因素认证" in response.content.decode()


def test_enterprise_user_without_device_sees_it_disabled_on_the_security_page(client_as) -> None:
    page = client_as(Role.ENTERPRISE).get(reverse("accounts:security")).content.decode()

    assert "未启用" in page
    assert "启用动态口令" in page


def test_verifying_an_already_logged_in_session_gives_it_a_new_key(sysadmin, confirmed_device) -> None:
    device = confirmed_device(sysadmin)
    client = _unverified_client(sysadmin)
    key_before = client.session.session_key

    client.post(OTP_URL, {"token": totp_code(device)})

    assert client.session.session_key != key_before
    assert logged_in_user_id(client) == str(sysadmin.pk)


def test_the_session_key_changes_when_the_second_factor_completes_the_login(
    client: Client, coordinator_zhang, confirmed_device
) -> None:
    device = confirmed_device(coordinator_zhang)
    post_login(client, "zhang_coord")
    pending_key = client.session.session_key

    client.post(OTP_URL, {"token": totp_code(device)})

    assert client.session.session_key != pending_key
