"""Walk the audit hash chain; exit 0 when intact, non-zero naming the first broken row otherwise."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yingshang.core.audit import verify_chain


class Command(BaseCommand):
    help = "校验审计日志哈希链的完整性"

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        self.stdout.write(f"已校验 {report.rows_checked} 条审计日志")
        if report.problem is not None:
            raise CommandError(f"审计日志校验失败:第 {report.problem.seq} 条 — {report.problem.reason}")
        self.stdout.write(self.style.SUCCESS("审计日志完整"))
