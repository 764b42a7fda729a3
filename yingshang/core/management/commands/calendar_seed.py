"""Seed statutory holidays and 调休 working days from chinese-calendar. Safe to run again: administrator entries win."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingshang.core import workdays


class Command(BaseCommand):
    help = "从 chinese-calendar 写入法定节假日与调休上班日(可重复运行,不覆盖管理员维护的日期)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, action="append", dest="years", help="只写入指定年份(可多次指定)")

    def handle(self, *args: Any, years: list[int] | None = None, **options: Any) -> None:
        available = workdays.package_years()
        if years:
            missing = sorted(set(years) - set(available))
            if missing:
                raise CommandError(
                    f"chinese-calendar 数据不含 {'、'.join(map(str, missing))} 年;"
                    f"可用年份 {available[0]}–{available[-1]}。请在“工作日历”页面手工录入。"
                )
        result = workdays.seed_from_package(years)
        changed = sum(result.values())
        for year, count in sorted(result.items()):
            if count or years:
                self.stdout.write(f"{year}年:变更 {count} 条例外日")
        self.stdout.write(
            self.style.SUCCESS(f"已写入 {len(result)} 个年份({min(result)}–{max(result)}),共变更 {changed} 条")
            if result
            else "没有可写入的年份"
        )
        for warning in workdays.upcoming_year_warnings():
            self.stdout.write(self.style.WARNING(warning))
