"""Date windows relative to the decision date and number formatting shared by the evaluators."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

_UNIT_LABELS = {"years": "年", "months": "个月", "days": "天"}


@dataclass(frozen=True)
class Period:
    unit: str  # years | months | days
    n: int

    def start_before(self, decision_date: dt.date) -> dt.date:
        """The exclusive lower bound: a date d is within the period when start < d <= decision_date."""
        if self.unit == "days":
            return decision_date - dt.timedelta(days=self.n)
        months = self.n * 12 if self.unit == "years" else self.n
        total = decision_date.year * 12 + (decision_date.month - 1) - months
        year, month = divmod(total, 12)
        month += 1
        # 31 March minus one month is 28/29 February, 29 February minus a year is 28 February.
        day = min(decision_date.day, calendar.monthrange(year, month)[1])
        return dt.date(year, month, day)

    def to_json(self) -> dict[str, int]:
        return {self.unit: self.n}

    @property
    def text(self) -> str:
        return f"{self.n}{_UNIT_LABELS[self.unit]}"


def fmt_number(value: Decimal | int) -> str:
    """2350.5000 → "2,350.5"; integers without decimals."""
    d = Decimal(value)
    d = d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()
    return format(d, ",f")


def fmt_fen(fen: int) -> str:
    """Integer fen as yuan with two decimals: 400000000 → "4,000,000.00 元"."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d} 元"


def fmt_rate(rate: Decimal) -> str:
    return f"{fmt_number(rate * 100)}%"
