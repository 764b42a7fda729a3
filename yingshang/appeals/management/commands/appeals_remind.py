"""Daily 催办 of overdue 督办 and a red/yellow digest per department. Run once a day from cron."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yingshang.appeals.reminders import reminders_send


class Command(BaseCommand):
    help = "自动催办超期督办,并向各部门推送超期/临期诉求提醒(每天运行一次)"

    def handle(self, *args: Any, **options: Any) -> None:
        result = reminders_send()
        self.stdout.write(
            f"自动催办督办 {result.supervisions_reminded} 件,向 {result.departments_notified} 个部门推送提醒"
        )
