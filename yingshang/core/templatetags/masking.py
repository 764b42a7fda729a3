"""`{% load masking %}`: personal data masked in templates, with the same rules as pages, API and exports."""

from __future__ import annotations

from django import template

from yingshang.core import masking as rules

register = template.Library()


@register.filter
def mask_phone(value: object) -> str:
    return rules.mask_phone(None if value is None else str(value))


@register.filter
def mask_id(value: object) -> str:
    return rules.mask_id_number(None if value is None else str(value))


@register.filter
def mask_name(value: object) -> str:
    return rules.mask_name(None if value is None else str(value))


@register.filter
def mask_email(value: object) -> str:
    return rules.mask_email(None if value is None else str(value))
