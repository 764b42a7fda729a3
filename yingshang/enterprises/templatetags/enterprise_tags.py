"""Display helpers of the registry pages."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from yingshang.core.masking import mask_phone

register = template.Library()

EXPIRY_WARNING_DAYS = 90


@register.filter
def masked_phone(value: str | None) -> str:
    return mask_phone(value)


@register.simple_tag
def page_query(filter_query: str, number: int) -> str:
    """ "?filters&page=n" for a paging link (page 1 has no page parameter)."""
    parts = [p for p in (filter_query, f"page={number}" if number > 1 else "") if p]
    return "?" + "&".join(parts) if parts else "?"


@register.filter
def amount(value: Any) -> str:
    """A Decimal amount without trailing zeros and with thousands separators: 1200.5000 → 1,200.5."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if number == number.to_integral_value():
        return f"{number.quantize(Decimal(1)):,}"
    return f"{number.normalize():,f}"


@register.simple_tag
def expiry_badge(expires_on: date | None) -> SafeString | str:
    if expires_on is None:
        return ""
    today = timezone.localdate()
    if expires_on < today:
        return format_html('<span class="badge text-bg-danger" data-testid="qualification-expired">{}</span>', "已过期")
    if expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS):
        return format_html('<span class="badge text-bg-warning">{}</span>', "即将到期")
    return ""
