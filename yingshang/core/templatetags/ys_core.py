"""`{% load ys_core %}`: small display helpers of the core app."""

from __future__ import annotations

import json
from datetime import date

from django import template

from yingshang.core.audit import ACTION_LABELS
from yingshang.core.workdays import WEEKDAY_NAMES

register = template.Library()


@register.filter
def audit_action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


@register.filter
def compact_json(value: object) -> str:
    if value in (None, "", {}, []):
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


@register.filter
def weekday_cn(value: date | None) -> str:
    """星期几, whatever language the browser asked for: the platform is Chinese-only."""
    return WEEKDAY_NAMES[value.weekday()] if isinstance(value, date) else ""
