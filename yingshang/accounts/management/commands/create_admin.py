"""Create the first administrator accounts (三员: 系统管理员, 安全管理员, 安全审计员), or reset one's password.

    manage.py create_admin --role security_admin --username anquan --full-name 赵安全
    manage.py create_admin --username anquan --reset-password
    printf '%s\\n' "$PASSWORD" | manage.py create_admin --role auditor --username shenji --password-stdin

The password is asked twice (or read once from standard input) and must pass the platform's password rules. Every
creation and reset is written to the audit log.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingshang.accounts import services
from yingshang.accounts.models import User
from yingshang.accounts.passwords import PASSWORD_HELP_TEXT, validate_password_zh
from yingshang.accounts.roles import ADMIN_ROLES, Role
from yingshang.core.errors import ApplicationError

ADMIN_ROLE_CHOICES = sorted(ADMIN_ROLES)
MAX_PROMPTS = 3


class Command(BaseCommand):
    help = "创建系统管理员、安全管理员或安全审计员账号,或重置其密码(均记入审计日志)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", choices=ADMIN_ROLE_CHOICES, help="角色(创建时必填)")
        parser.add_argument("--username", required=True, help="用户名")
        parser.add_argument("--full-name", default="", help="姓名")
        parser.add_argument("--reset-password", action="store_true", help="重置已有管理员账号的密码,而不是创建账号")
        parser.add_argument("--password-stdin", action="store_true", help="从标准输入读取一行作为密码(用于脚本)")

    def handle(
        self,
        *args: Any,
        username: str,
        role: str | None = None,
        full_name: str = "",
        reset_password: bool = False,
        password_stdin: bool = False,
        **options: Any,
    ) -> None:
        username = username.strip()
        if not username:
            raise CommandError("用户名不能为空")
        if reset_password:
            self._reset(username=username, role=role, password_stdin=password_stdin)
        else:
            self._create(username=username, role=role, full_name=full_name.strip(), password_stdin=password_stdin)

    def _create(self, *, username: str, role: str | None, full_name: str, password_stdin: bool) -> None:
        if role is None:
            raise CommandError(f"创建账号须指定 --role({'、'.join(ADMIN_ROLE_CHOICES)})")
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"用户名 {username} 已存在;如需重置其密码,请使用 --reset-password")
        probe = User(username=username, full_name=full_name, role=role)
        password = self._password(probe, password_stdin=password_stdin)
        try:
            user = services.admin_account_create(username=username, password=password, role=role, full_name=full_name)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(f"已创建{Role(user.role).label}账号 {user.username};首次登录时须绑定动态口令。")
        )

    def _reset(self, *, username: str, role: str | None, password_stdin: bool) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"账号 {username} 不存在")
        if role is not None and role != user.role:
            raise CommandError(f"账号 {username} 的角色是{user.get_role_display()},与 --role 不符;本命令不修改角色")
        if user.role not in ADMIN_ROLES:
            raise CommandError("该命令只能重置管理员账号的密码;业务账号由系统管理员在页面上重置。")
        password = self._password(user, password_stdin=password_stdin)
        try:
            services.admin_password_reset_by_command(user=user, new_password=password)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"已重置{user.get_role_display()}账号 {user.username} 的密码。"))

    def _password(self, user: User, *, password_stdin: bool) -> str:
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            self._validate(password, user)
            return password
        if not sys.stdin.isatty():
            raise CommandError("没有可交互的终端:请在终端中运行,或用 --password-stdin 从标准输入提供密码")
        self.stdout.write(PASSWORD_HELP_TEXT)
        for _ in range(MAX_PROMPTS):
            password = getpass.getpass("密码:")
            if password != getpass.getpass("再次输入密码:"):
                self.stderr.write("两次输入的密码不一致,请重新输入。")
                continue
            try:
                self._validate(password, user)
            except CommandError as exc:
                self.stderr.write(str(exc))
                continue
            return password
        raise CommandError(f"连续 {MAX_PROMPTS} 次未能设置有效密码,已放弃")

    @staticmethod
    def _validate(password: str, user: User) -> None:
        if not password:
            raise CommandError("密码不能为空")
        try:
            validate_password_zh(password, user)
        except ValidationError as exc:
            raise CommandError("密码不符合要求:" + ";".join(exc.messages)) from exc
