"""Startup checks: the platform must not start in a state where every audited action would fail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from .audit import AUDIT_HMAC_KEY_MIN_LENGTH


@register()
def audit_hmac_key_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if len(str(getattr(settings, "AUDIT_HMAC_KEY", "") or "")) >= AUDIT_HMAC_KEY_MIN_LENGTH:
        return []
    return [
        Error(
            f"AUDIT_HMAC_KEY 未设置或短于 {AUDIT_HMAC_KEY_MIN_LENGTH} 个字符",
            hint="通过环境变量 AUDIT_HMAC_KEY 提供审计日志密钥(由安全管理员保管),见 docs/deployment.md。",
            id="yingshang.E001",
        )
    ]
