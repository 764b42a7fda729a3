"""Create an Open311 API key from the command line (e.g. while installing the 12345 hotline link)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingshang.core.errors import ApplicationError
from yingshang.open311.models import KeyChannel
from yingshang.open311.services import api_key_create


class Command(BaseCommand):
    help = "创建 Open311 接口密钥;密钥原文只打印这一次"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="名称(对接的系统或单位)")
        parser.add_argument("--channel", choices=KeyChannel.values, default=KeyChannel.OPEN311)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key, raw = api_key_create(name=options["name"], channel=options["channel"], by=None)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(f"已创建密钥 #{key.pk}「{key.name}」({key.get_channel_display()});原文只显示这一次:")
        self.stdout.write(raw)
