"""Send 容缺 supply reminders that are due. Run daily from cron; running it again the same day sends nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingshang.govservices.reminders import configured_days_before, send_material_reminders


class Command(BaseCommand):
    help = "发送容缺受理材料补齐提醒(到期前若干个工作日及到期当日),可重复执行"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="按此日期计算(YYYY-MM-DD),用于补发某日遗漏的提醒")
        parser.add_argument("--days-before", type=int, default=None, help="到期前几个工作日提醒(默认取设置)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD") from exc
        days_before = options["days_before"]
        if days_before is not None and days_before < 0:
            raise CommandError("--days-before 不能为负数")
        run = send_material_reminders(today=today, days_before=days_before)
        self.stdout.write(
            f"检查待补材料 {run.checked} 项,发送到期前提醒 {run.sent_before} 条、到期提醒 {run.sent_due} 条"
            f"(提前 {configured_days_before() if days_before is None else days_before} 个工作日)"
        )
