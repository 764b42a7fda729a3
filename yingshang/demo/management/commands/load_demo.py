from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingshang.accounts.roles import Role
from yingshang.demo import data
from yingshang.demo.services import demo_load


class Command(BaseCommand):
    help = "载入演示区县数据(部门、乡镇、约200家企业、各角色演示账号、工作日历)。可重复执行,不会重复创建。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enterprises", type=int, default=200)
        parser.add_argument("--force", action="store_true", help="在非调试模式下也载入(仅用于评估环境)")
        parser.add_argument("--quiet-logins", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("演示数据含公开的演示密码,只能在调试/评估环境载入;确需载入请加 --force")
        summary = demo_load(enterprise_count=options["enterprises"])
        self.stdout.write(
            f"演示数据就绪:新建部门 {summary.departments_created} 个,企业 {summary.enterprises_created} 家,"
            f"账号 {summary.users_created} 个;工作日历年份 {summary.calendar_years[0]}–{summary.calendar_years[-1]}"
        )
        for line in summary.module_lines:
            self.stdout.write(line)
        if not options["quiet_logins"]:
            self.stdout.write(f"演示账号(密码均为 {data.DEMO_PASSWORD}):")
            for username, full_name, role, *_ in data.ACCOUNTS:
                self.stdout.write(f"  {username:<14} {Role(role).label:<8} {full_name}")
