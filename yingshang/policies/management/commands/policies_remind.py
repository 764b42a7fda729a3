"""Daily: remind enterprises whose 点单 policies' application windows have opened (run from cron or a timer)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yingshang.policies.package import interests_remind


class Command(BaseCommand):
    help = "提醒企业:点单的政策已开始申报"

    def handle(self, *args: Any, **options: Any) -> None:
        count = interests_remind()
        self.stdout.write(f"已提醒 {count} 个企业点单")
