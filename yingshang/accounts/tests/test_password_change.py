"""Changing one's own password: old password checked, rules applied, session kept, audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yingshang.core.audit import Action

from .factories import DEFAULT_PASSWORD
from .helpers import audit_rows, logged_in_user_id

pytestmark = pytest.mark.django_db

URL = reverse("accounts:password_change")


def _change(client, old: str, new: str, confirm: str | None = None):
    return client.post(URL, {"old_password": old, "new_password1": new, "new_password2": confirm or new})


def test_password_change_keeps_the_user_signed_in_and_is_audited(client_as, battery_clerk) -> None:
    client = client_as(battery_clerk)

    response = _change(client, DEFAULT_PASSWORD, "Xinmima-2026!")

    assert response.status_code == 302
    battery_clerk.refresh_from_db()
    assert battery_clerk.check_password("Xinmima-2026!")
    assert logged_in_user_id(client) == str(battery_clerk.pk)
    assert client.get("/").status_code == 200
    (row,) = audit_rows(Action.PASSWORD_CHANGED)
    assert row.user == battery_clerk


def test_staff_stay_verified_after_changing_their_password(client_as, coordinator_zhang) -> None:
    client = client_as(coordinator_zhang)

    _change(client, DEFAULT_PASSWORD, "Xinmima-2026!")

    assert client.get(reverse("accounts:security")).status_code == 200


def test_a_weak_new_password_is_refused_in_chinese(client_as, battery_clerk) -> None:
    response = _change(client_as(battery_clerk), DEFAULT_PASSWORD, "abcd1234")

    page = response.content.decode()
    assert "密码须包含大写字母、小写字母、数字、符号中的至少 3 类" in page
    battery_clerk.refresh_from_db()
    assert battery_clerk.check_password(DEFAULT_PASSWORD)


def test_a_wrong_old_password_is_refused(client_as, battery_clerk) -> None:
    response = _change(client_as(battery_clerk), "Not-my-pass-1", "Xinmima-2026!")

    assert "原密码不正确" in response.content.decode()
    assert not audit_rows(Action.PASSWORD_CHANGED)


def test_the_two_new_passwords_must_match(client_as, battery_clerk) -> None:
    response = _change(client_as(battery_clerk), DEFAULT_PASSWORD, "Xinmima-2026!", "Xinmima-2027!")

    assert "两次输入的新密码不一致" in response.content.decode()


def test_password_change_needs_a_login(client) -> None:
    assert client.get(URL)["Location"].startswith(reverse("accounts:login"))
