"""Amounts, rates, dates and counts in a text as comparable values, for checking a model's answer against the
passages it cites.

"30万元", "300,000元", "三十万元" and "３０万元" are the same fact (300000 元); "50万元" is not part of "150万元";
"百分之五十" is "50%"; "2025年10月1日", "2025-10-01" and "二〇二五年十月一日" give the same year, month and day.
Framework-free (no Django imports)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .textproc import to_halfwidth


@dataclass(frozen=True)
class Fact:
    written: str  # as the text wrote it (half-width), for the rejection message
    value: Decimal
    unit: str  # canonical unit ("元", "%", "日", …); "" for a bare number


# Written unit → canonical unit. 天/日 and 个工作日/工作日 say the same thing; 月 (a month of the year) and 个月
# (a duration) do not.
_UNIT_CANON = {
    "%": "%",
    "‰": "‰",
    "元": "元",
    "倍": "倍",
    "个百分点": "个百分点",
    "个工作日": "工作日",
    "工作日": "工作日",
    "个月": "个月",
    "月": "月",
    "年": "年",
    "日": "日",
    "天": "日",
    "小时": "小时",
    "周岁": "岁",
    "岁": "岁",
    "次": "次",
    "项": "项",
    "家": "家",
    "户": "户",
    "人": "人",
    "笔": "笔",
    "个": "个",
    "件": "件",
    "平方米": "平方米",
    "亩": "亩",
}
# Units a Chinese-numeral fact must carry to count: counts (一次, 两项) are too often idiom (一次性, 一件事).
_CN_UNITS = ("元", "倍", "个百分点", "个工作日", "工作日", "个月", "月", "年", "日", "天", "小时", "周岁", "岁")
_TIME_UNITS = frozenset({"个月", "月", "年", "日", "天", "小时"})
_MULTIPLIERS = {"千": Decimal(1000), "万": Decimal(10_000), "亿": Decimal(100_000_000)}


def _alternation(units: list[str] | tuple[str, ...]) -> str:
    # Longest first, so 个工作日 wins over 个 and 个月 over 月.
    return "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))


_CN_DIGIT = "零〇一二两三四五六七八九"
_DATE_RE = re.compile(r"(?<![\d.])(\d{4})\s*(?:年|[-./])\s*(\d{1,2})\s*(?:月|[-./])\s*(\d{1,2})(?!\d)\s*日?")
_CN_DATE_RE = re.compile(f"([{_CN_DIGIT}]{{4}})年([{_CN_DIGIT}十]{{1,3}})月([{_CN_DIGIT}十]{{1,3}})日")
# A number is never read from the middle of another: "50万元" is not found inside "150万元".
_ARABIC_RE = re.compile(
    r"(?<![\d.])(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(\.\d+)?\s*([千万亿])?\s*(" + _alternation(list(_UNIT_CANON)) + ")?"
)
_CN_NUMERAL = f"[{_CN_DIGIT}十][{_CN_DIGIT}十百千万亿]*(?:点[{_CN_DIGIT}]+)?"
_CLAUSE_REF_RE = re.compile(f"第(?:\\d+|[{_CN_DIGIT}十百]+)[条章款节]")
_CN_PERCENT_RE = re.compile(f"百分之({_CN_NUMERAL})")
_CN_RE = re.compile(f"({_CN_NUMERAL})\\s*({_alternation(_CN_UNITS)})?")
_CN_DIGIT_VALUE = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


def chinese_numeral_value(numeral: str) -> Decimal | None:
    """三十万 → 300000, 一亿五千万 → 150000000, 十二 → 12, 二〇二五 → 2025, 三点五 → 3.5; None if malformed."""
    whole, _, fraction = numeral.partition("点")
    if any(ch not in _CN_DIGIT_VALUE for ch in fraction):
        return None
    if whole and all(ch in _CN_DIGIT_VALUE for ch in whole) and len(whole) > 1:
        value = Decimal("".join(str(_CN_DIGIT_VALUE[ch]) for ch in whole))  # 二〇二五 is read digit by digit
    else:
        total, section, digit = Decimal(0), Decimal(0), Decimal(0)
        for ch in whole:
            if ch in _CN_DIGIT_VALUE:
                digit = Decimal(_CN_DIGIT_VALUE[ch])
            elif ch in "十百千":
                section += (digit or Decimal(1)) * {"十": 10, "百": 100, "千": 1000}[ch]
                digit = Decimal(0)
            elif ch == "万":
                total += (section + digit) * 10_000
                section = digit = Decimal(0)
            elif ch == "亿":
                total = (total + section + digit) * 100_000_000
                section = digit = Decimal(0)
            else:
                return None
        value = total + section + digit
    if fraction:
        value += Decimal("0." + "".join(str(_CN_DIGIT_VALUE[ch]) for ch in fraction))
    return value


def _blank(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]


def facts_in(text: str) -> list[Fact]:
    """Every date, amount, rate, period and count in the text, in reading order of the kinds found."""
    text = to_halfwidth(text)
    found: list[Fact] = []
    for match in list(_DATE_RE.finditer(text)):
        year, month, day = match.groups()
        written = match.group(0).strip()
        found += [
            Fact(written, Decimal(year), "年"),
            Fact(written, Decimal(month), "月"),
            Fact(written, Decimal(day), "日"),
        ]
        text = _blank(text, match)
    # 第3条 / 第三章: a reference to a clause (the [n] citation already names it), not a fact to check.
    text = _CLAUSE_REF_RE.sub(lambda m: " " * len(m.group(0)), text)
    for match in list(_CN_DATE_RE.finditer(text)):
        parts = [chinese_numeral_value(g) for g in match.groups()]
        found += [Fact(match.group(0), v, u) for v, u in zip(parts, ("年", "月", "日"), strict=True) if v is not None]
        text = _blank(text, match)
    for match in list(_CN_PERCENT_RE.finditer(text)):
        value = chinese_numeral_value(match.group(1))
        if value is not None:
            found.append(Fact(match.group(0), value, "%"))
        text = _blank(text, match)
    for match in _ARABIC_RE.finditer(text):
        digits, decimals, multiplier, unit = match.groups()
        try:
            value = Decimal(digits.replace(",", "") + (decimals or ""))
        except InvalidOperation:
            continue
        if multiplier:
            value *= _MULTIPLIERS[multiplier]
        # "30万" in a policy is money: it matches "30万元".
        canon = _UNIT_CANON[unit] if unit else ("元" if multiplier else "")
        found.append(Fact(match.group(0).strip(), value, canon))
    for match in _CN_RE.finditer(text):
        numeral, unit = match.groups()
        has_multiplier = any(ch in "万亿" for ch in numeral)
        if not unit and not has_multiplier:
            continue  # 一网通办, 三是…: a numeral without a unit is not a fact
        if numeral == "一" and unit in _TIME_UNITS:
            continue  # 同一天, 统一日期: idiom far more often than "1 day"
        value = chinese_numeral_value(numeral)
        if value is not None:
            found.append(Fact(match.group(0).strip(), value, _UNIT_CANON[unit] if unit else "元"))
    return found


def unsupported_fact(answer: str, sources: str) -> Fact | None:
    """The first fact of the answer the sources do not state (same value and unit), or None.

    A bare number (no unit) only needs its value somewhere in the sources, under any unit."""
    known = facts_in(sources)
    exact = {(f.value, f.unit) for f in known}
    values = {f.value for f in known}
    for fact in facts_in(answer):
        if fact.unit and (fact.value, fact.unit) not in exact:
            return fact
        if not fact.unit and fact.value not in values:
            return fact
    return None
