"""How a spreadsheet cell reads as text.

Shared by header matching, row validation and the preview: xlsx cells arrive as str, int, float, bool, date or
datetime, CSV cells as str, and every comparison and message starts from the same text form.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time
from typing import Any


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\u3000", " ").strip()


def nfkc(value: Any) -> str:
    """Full-width digits, letters and punctuation as typed by Chinese IMEs, folded to ASCII."""
    return unicodedata.normalize("NFKC", cell_text(value)).strip()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
