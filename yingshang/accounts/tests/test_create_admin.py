"""manage.py create_admin: the first 三员 accounts from the server, password rules applied, every step audited."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from yingshang.accounts.models import User
from yingshang.accounts.roles import Role
from yingshang.core.audit import Action, verify_chain

from .helpers import audit_rows

pytestmark = pytest.mark.django_db

GOOD = "Anquan-guanli-2026!"
OTHER_GOOD = "Xin-mima-2027#ok"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@contextmanager
def stdin_text(text: str) -> Iterator[None]:
    with mock.patch("sys.stdin", io.StringIO(text)):
        yield


@contextmanager
def typed_at_terminal(*answers: str) -> Iterator[mock.MagicMock]:
    with mock.patch("sys.stdin", _Terminal()), mock.patch("getpass.getpass", side_effect=list(answers)) as prompt:
        yield prompt


def create_admin(*args: str, **kwargs: Any) -> str:
    out = io.StringIO()
    call_command("create_admin", *args, stdout=out, stderr=io.StringIO(), **kwargs)
    return out.getvalue()


def test_the_security_administrator_is_created_from_a_script(db):
    with stdin_text(GOOD + "\n"):
        out = create_admin(
            "--role", "security_admin", "--username", "anquan", "--full-name", "赵安全", "--password-stdin"
        )

    user = User.objects.get(username="anquan")
    assert (user.role, user.full_name, user.is_superuser) == (Role.SECURITY_ADMIN, "赵安全", False)
    assert user.check_password(GOOD)
    assert "已创建安全管理员账号 anquan" in out
    (row,) = audit_rows(Action.ACCOUNT_CREATED)
    assert row.detail == {"via": "command", "role": Role.SECURITY_ADMIN}
    assert (row.object_id, row.user_id, row.username) == (str(user.pk), None, "manage.py create_admin")
    assert verify_chain().ok


def test_the_password_is_asked_twice_at_the_terminal(db):
    with typed_at_terminal(GOOD, GOOD) as prompt:
        create_admin("--role", "auditor", "--username", "shenji")

    assert prompt.call_count == 2
    assert User.objects.get(username="shenji").check_password(GOOD)


def test_two_different_entries_are_asked_again(db):
    with typed_at_terminal(GOOD, GOOD + "x", GOOD, GOOD) as prompt:
        create_admin("--role", "system_admin", "--username", "xitong")

    assert prompt.call_count == 4
    assert User.objects.get(username="xitong").role == Role.SYSTEM_ADMIN


def test_three_failed_attempts_give_up_without_an_account(db):
    with typed_at_terminal("a", "b", "c", "d", "e", "f"), pytest.raises(CommandError, match="3 次"):
        create_admin("--role", "system_admin", "--username", "xitong")
    assert not User.objects.filter(username="xitong").exists()


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short1!", "太短"), ("alllowercaseletters", "至少 3 类"), ("Anquan2026!", "相似"), ("Admin@123", "常见")],
)
def test_the_password_rules_apply(db, password, reason):
    with stdin_text(password + "\n"), pytest.raises(CommandError, match=reason):
        create_admin("--role", "security_admin", "--username", "anquan", "--password-stdin")
    assert not User.objects.filter(username="anquan").exists()
    assert not audit_rows(Action.ACCOUNT_CREATED)


def test_an_existing_username_is_refused(make_user):
    make_user(Role.COORDINATOR, username="Anquan")
    with stdin_text(GOOD + "\n"), pytest.raises(CommandError, match="已存在"):
        create_admin("--role", "security_admin", "--username", "anquan", "--password-stdin")
    assert User.objects.get(username="Anquan").role == Role.COORDINATOR


@pytest.mark.parametrize("role", ["coordinator", "enterprise"])
def test_only_the_three_administrator_roles_can_be_created(db, role):
    with stdin_text(GOOD + "\n"), pytest.raises(CommandError):
        create_admin("--role", role, "--username", "someone", "--password-stdin")
    assert not User.objects.filter(username="someone").exists()


def test_creating_needs_a_role(db):
    with stdin_text(GOOD + "\n"), pytest.raises(CommandError, match="--role"):
        create_admin("--username", "someone", "--password-stdin")


def test_without_a_terminal_the_password_must_come_from_stdin(db):
    with stdin_text(""), pytest.raises(CommandError, match="--password-stdin"):
        create_admin("--role", "auditor", "--username", "shenji")


# ---- resetting a password --------------------------------------------------------------------------------------


def test_an_administrators_password_is_reset_and_audited(make_user):
    auditor = make_user(Role.AUDITOR, username="shenji")
    with stdin_text(OTHER_GOOD + "\n"):
        out = create_admin("--username", "shenji", "--reset-password", "--password-stdin")

    auditor.refresh_from_db()
    assert auditor.check_password(OTHER_GOOD)
    assert "已重置安全审计员账号 shenji 的密码" in out
    (row,) = audit_rows(Action.ACCOUNT_UPDATED)
    assert row.detail == {"via": "command", "password": "reset_by_command"}
    assert row.object_id == str(auditor.pk)


def test_a_business_accounts_password_is_not_reset_by_the_command(make_user):
    coordinator = make_user(Role.COORDINATOR, username="xietiao")
    with stdin_text(OTHER_GOOD + "\n"), pytest.raises(CommandError, match="只能重置管理员账号"):
        create_admin("--username", "xietiao", "--reset-password", "--password-stdin")
    coordinator.refresh_from_db()
    assert not coordinator.check_password(OTHER_GOOD)
    assert not audit_rows(Action.ACCOUNT_UPDATED)


def test_resetting_an_unknown_account_fails(db):
    with stdin_text(OTHER_GOOD + "\n"), pytest.raises(CommandError, match="不存在"):
        create_admin("--username", "nobody", "--reset-password", "--password-stdin")


def test_resetting_does_not_change_the_role(make_user):
    make_user(Role.AUDITOR, username="shenji")
    with stdin_text(OTHER_GOOD + "\n"), pytest.raises(CommandError, match="不修改角色"):
        create_admin("--username", "shenji", "--role", "security_admin", "--reset-password", "--password-stdin")
    assert User.objects.get(username="shenji").role == Role.AUDITOR


def test_a_reset_password_still_follows_the_rules(make_user):
    make_user(Role.AUDITOR, username="shenji")
    with stdin_text("shenji2026\n"), pytest.raises(CommandError, match="密码不符合要求"):
        create_admin("--username", "shenji", "--reset-password", "--password-stdin")
