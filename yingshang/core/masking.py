"""Personal data is masked by default in pages, API and exports; unmasking needs a permission and is audited."""

from __future__ import annotations

import re


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    digits = re.sub(r"\s", "", str(value))
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 7:
        return f"{digits[:2]}{'*' * (len(digits) - 4)}{digits[-2:]}"
    if len(digits) <= 2:
        return "*" * len(digits)
    return f"{digits[0]}{'*' * (len(digits) - 2)}{digits[-1]}"


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    text = str(value).strip()
    if len(text) >= 15:
        return f"{text[:6]}********{text[-4:]}"
    if len(text) <= 2:
        return "*" * len(text)
    return f"{text[0]}{'*' * (len(text) - 2)}{text[-1]}"


def mask_name(value: str | None) -> str:
    if not value:
        return ""
    text = str(value)
    if len(text) == 1:
        return text
    if len(text) == 2:
        return f"{text[0]}*"
    return f"{text[0]}{'*' * (len(text) - 2)}{text[-1]}"


def mask_email(value: str | None) -> str:
    if not value:
        return ""
    text = str(value).strip()
    local, at, domain = text.rpartition("@")
    if not at:
        return mask_name(text)
    if len(local) <= 2:
        return f"{'*' * len(local)}@{domain}"
    return f"{local[0]}{'*' * (len(local) - 2)}{local[-1]}@{domain}"
