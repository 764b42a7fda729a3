"""Send outbox messages a crash left PENDING (their delivery task never ran). Safe to run from cron."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yingshang.core import notifications


class Command(BaseCommand):
    help = "补发发件箱中滞留为“待发送”的短信/邮件"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", type=int, default=10, help="只补发创建超过这么多分钟的消息(默认 10)")

    def handle(self, *args: Any, older_than: int = 10, **options: Any) -> None:
        sent = notifications.deliver_pending(older_than=timedelta(minutes=older_than))
        self.stdout.write(f"已处理 {sent} 条待发送消息")
