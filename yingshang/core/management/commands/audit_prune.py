"""Cut the oldest audit rows off the chain, never any younger than AUDIT_MIN_RETENTION_DAYS."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from yingshang.core.audit import audit_prune, audit_prune_plan, verify_chain
from yingshang.core.errors import ApplicationError


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式应为 YYYY-MM-DD:{value}") from exc


class Command(BaseCommand):
    help = f"截除早于指定日期的审计日志(至少保留最近 {settings.AUDIT_MIN_RETENTION_DAYS} 天)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--before", required=True, type=_parse_day, help="截除此日期(当地时间 0 点)之前的记录")
        parser.add_argument("--dry-run", action="store_true", help="只显示将截除多少条,不删除")

    def handle(self, *args: Any, before: date, dry_run: bool = False, **options: Any) -> None:
        moment = timezone.make_aware(datetime.combine(before, time.min))
        plan = audit_prune_plan(before=moment)
        if plan.clamped:
            self.stdout.write(
                self.style.WARNING(
                    f"审计日志至少保留 {settings.AUDIT_MIN_RETENTION_DAYS} 天,"
                    f"截止时间调整为 {timezone.localtime(plan.cutoff):%Y-%m-%d %H:%M}"
                )
            )
        if dry_run:
            self.stdout.write(f"将截除 {plan.rows} 条(至第 {plan.through_seq} 条)" if plan.rows else "没有可截除的记录")
            return
        try:
            rows = audit_prune(before=moment, username="manage.py audit_prune")
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已截除 {rows} 条审计日志" if rows else "没有可截除的记录")
        report = verify_chain()
        if not report.ok:
            assert report.problem is not None
            raise CommandError(f"截除后校验失败:第 {report.problem.seq} 条 — {report.problem.reason}")
        self.stdout.write(self.style.SUCCESS(f"截除后校验通过,剩余 {report.rows_checked} 条,审计日志完整"))
