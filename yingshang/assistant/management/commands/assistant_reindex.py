"""Rebuild the assistant's whole index now (e.g. after an upgrade, or nightly to pick up other apps' documents)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yingshang.assistant.index import rebuild_all


class Command(BaseCommand):
    help = "重建智能问答索引"

    def handle(self, *args: Any, **options: Any) -> None:
        stats = rebuild_all()
        self.stdout.write(f"已索引 {stats.documents} 份文档、{stats.chunks} 个条款片段,用时 {stats.seconds:.1f} 秒")
