"""Benefit formulas: exact amounts in integer fen with stated rounding, caps, tiers and prioritised exceptions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from .ast import (
    Aggregate,
    Rule,
    _decimal,
    aggregate_to_json,
    check_aggregate,
    check_rule,
    parse_aggregate_source,
    parse_rule,
    rule_to_json,
)
from .describe import describe_aggregate_subject
from .errors import RuleError, Verdict
from .evaluate import aggregate_value, evaluate
from .periods import fmt_fen, fmt_number, fmt_rate
from .registry import MONEY_UNITS, Registry
from .values import normalise

ROUNDING_UNITS = {"fen": Decimal("0.01"), "yuan": Decimal(1), "wan": Decimal(10000)}
ROUNDING_UNIT_LABELS = {"fen": "分", "yuan": "元", "wan": "万元"}
ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "down": ROUND_DOWN}
ROUNDING_MODE_LABELS = {"half_up": "四舍五入", "down": "舍去"}

Source = str | Aggregate


@dataclass(frozen=True)
class Fixed:
    amount: Decimal


@dataclass(frozen=True)
class Rate:
    of: Source
    rate: Decimal


@dataclass(frozen=True)
class Tier:
    lo: Decimal
    hi: Decimal | None
    rate: Decimal | None
    amount: Decimal | None


@dataclass(frozen=True)
class Tiers:
    of: Source
    mode: str  # bracket | progressive
    tiers: tuple[Tier, ...]


@dataclass(frozen=True)
class SumOf:
    parts: tuple[AmountRule, ...]


AmountRule = Fixed | Rate | Tiers | SumOf


@dataclass(frozen=True)
class Exception_:
    priority: int
    label: str
    clause: str
    when: Rule
    base: AmountRule | None
    cap: Decimal | None


@dataclass(frozen=True)
class Formula:
    base: AmountRule
    cap: Decimal | None = None
    min_amount: Decimal | None = None
    exceptions: tuple[Exception_, ...] = ()
    rounding_unit: str = "fen"
    rounding_mode: str = "half_up"
    clause: str = ""


@dataclass
class Benefit:
    amount_fen: int | None
    steps: list[str] = field(default_factory=list)
    exception: str | None = None
    clause: str = ""
    missing: list[str] = field(default_factory=list)
    range_fen: tuple[int, int] | None = None

    @property
    def amount_text(self) -> str:
        if self.amount_fen is not None:
            return fmt_fen(self.amount_fen)
        if self.range_fen is not None:
            return f"{fmt_fen(self.range_fen[0])} 至 {fmt_fen(self.range_fen[1])}"
        return "待补充信息后计算"

    def to_json(self) -> dict[str, Any]:
        return {
            "amount_fen": self.amount_fen,
            "amount_yuan": None if self.amount_fen is None else str(Decimal(self.amount_fen) / 100),
            "amount_text": self.amount_text,
            "range_fen": list(self.range_fen) if self.range_fen else None,
            "steps": self.steps,
            "exception": self.exception,
            "clause": self.clause,
            "missing": self.missing,
        }


# --- parsing ----------------------------------------------------------------------------------------------------


def _money(raw: Any, path: str) -> Decimal:
    d = _decimal(raw, path)
    if d < 0:
        raise RuleError("金额不能为负数", path)
    return d


def _source(raw: Any, path: str) -> Source:
    if isinstance(raw, str) and raw:
        return raw
    return parse_aggregate_source(raw, path)


def _amount_rule(raw: Any, path: str) -> AmountRule:
    if not isinstance(raw, dict):
        raise RuleError("金额规则应为对象", path)
    kind = raw.get("kind")
    if kind == "fixed":
        return Fixed(_money(raw.get("amount"), f"{path}.amount"))
    if kind == "rate":
        rate = _money(raw.get("rate"), f"{path}.rate")
        return Rate(_source(raw.get("of"), f"{path}.of"), rate)
    if kind == "tiers":
        mode = raw.get("mode", "bracket")
        if mode not in ("bracket", "progressive"):
            raise RuleError("分档方式应为 bracket(全额分档)或 progressive(超额累进)", f"{path}.mode")
        tiers_raw = raw.get("tiers")
        if not isinstance(tiers_raw, list) or not tiers_raw:
            raise RuleError("至少需要一个档次", f"{path}.tiers")
        tiers: list[Tier] = []
        for i, t in enumerate(tiers_raw):
            tpath = f"{path}.tiers[{i}]"
            if not isinstance(t, dict):
                raise RuleError("档次应为对象", tpath)
            lo = _money(t.get("from", "0"), f"{tpath}.from")
            hi: Decimal | None = None if t.get("to") is None else _money(t["to"], f"{tpath}.to")
            if hi is not None and hi <= lo:
                raise RuleError("档次上限应大于下限", tpath)
            has_rate, has_amount = t.get("rate") is not None, t.get("amount") is not None
            if has_rate == has_amount:
                raise RuleError("每个档次须给出比例(rate)或固定金额(amount)之一", tpath)
            if mode == "progressive" and has_amount:
                raise RuleError("超额累进只能按比例", tpath)
            tier_rate = _money(t["rate"], f"{tpath}.rate") if has_rate else None
            amount = _money(t["amount"], f"{tpath}.amount") if has_amount else None
            if tiers and (tiers[-1].hi is None or tiers[-1].hi != lo):
                raise RuleError("档次须首尾相接(上一档的上限等于下一档的下限)", tpath)
            tiers.append(Tier(lo, hi, tier_rate, amount))
        return Tiers(_source(raw.get("of"), f"{path}.of"), mode, tuple(tiers))
    if kind == "sum":
        parts = raw.get("parts")
        if not isinstance(parts, list) or not parts:
            raise RuleError("合计至少需要一项", f"{path}.parts")
        return SumOf(tuple(_amount_rule(p, f"{path}.parts[{i}]") for i, p in enumerate(parts)))
    raise RuleError(f"不支持的金额规则「{kind}」(应为 fixed、rate、tiers 或 sum)", path)


def parse_formula(data: Any, path: str = "公式") -> Formula:
    if not isinstance(data, dict):
        raise RuleError("应为对象", path)
    if "base" not in data:
        raise RuleError("缺少基本金额规则(base)", path)
    base = _amount_rule(data["base"], f"{path}.base")
    cap = _money(data["cap"], f"{path}.cap") if data.get("cap") is not None else None
    min_amount = _money(data["min_amount"], f"{path}.min_amount") if data.get("min_amount") is not None else None
    rounding = data.get("rounding") or {}
    if not isinstance(rounding, dict):
        raise RuleError("取整规则应为对象", f"{path}.rounding")
    unit, mode = rounding.get("unit", "fen"), rounding.get("mode", "half_up")
    if unit not in ROUNDING_UNITS:
        raise RuleError("取整单位应为 fen、yuan 或 wan", f"{path}.rounding.unit")
    if mode not in ROUNDING_MODES:
        raise RuleError("取整方式应为 half_up 或 down", f"{path}.rounding.mode")
    exceptions = []
    raw_exceptions = data.get("exceptions") or []
    if not isinstance(raw_exceptions, list):
        raise RuleError("例外应为列表", f"{path}.exceptions")
    for i, e in enumerate(raw_exceptions):
        epath = f"{path}.exceptions[{i}]"
        if not isinstance(e, dict):
            raise RuleError("例外应为对象", epath)
        priority = e.get("priority")
        if isinstance(priority, bool) or not isinstance(priority, int):
            raise RuleError("优先级(priority)应为整数", epath)
        label = e.get("label")
        if not isinstance(label, str) or not label.strip():
            raise RuleError("例外须有名称(label)", epath)
        clause = e.get("clause")
        if not isinstance(clause, str) or not clause.strip():
            raise RuleError("例外须注明所依据的政策条款(clause)", epath)
        if "when" not in e:
            raise RuleError("例外须有适用条件(when)", epath)
        when = parse_rule(e["when"], f"{epath}.when")
        e_base = _amount_rule(e["base"], f"{epath}.base") if e.get("base") is not None else None
        e_cap = _money(e["cap"], f"{epath}.cap") if e.get("cap") is not None else None
        if e_base is None and e_cap is None:
            raise RuleError("例外须改变金额规则(base)或上限(cap)", epath)
        exceptions.append(Exception_(priority, label.strip(), clause.strip(), when, e_base, e_cap))
    priorities = [e.priority for e in exceptions]
    if len(set(priorities)) != len(priorities):
        raise RuleError("例外的优先级不能重复", f"{path}.exceptions")
    exceptions.sort(key=lambda e: e.priority)
    clause = data.get("clause") or ""
    if not isinstance(clause, str):
        raise RuleError("条款应为文本", f"{path}.clause")
    return Formula(base, cap, min_amount, tuple(exceptions), unit, mode, clause)


def _source_json(source: Source) -> Any:
    return source if isinstance(source, str) else aggregate_to_json(source)


def _amount_json(rule: AmountRule) -> dict[str, Any]:
    if isinstance(rule, Fixed):
        return {"kind": "fixed", "amount": str(rule.amount)}
    if isinstance(rule, Rate):
        return {"kind": "rate", "of": _source_json(rule.of), "rate": str(rule.rate)}
    if isinstance(rule, Tiers):
        tiers = []
        for t in rule.tiers:
            out: dict[str, Any] = {"from": str(t.lo), "to": None if t.hi is None else str(t.hi)}
            if t.rate is not None:
                out["rate"] = str(t.rate)
            else:
                out["amount"] = str(t.amount)
            tiers.append(out)
        return {"kind": "tiers", "of": _source_json(rule.of), "mode": rule.mode, "tiers": tiers}
    return {"kind": "sum", "parts": [_amount_json(p) for p in rule.parts]}


def formula_to_json(formula: Formula) -> dict[str, Any]:
    out: dict[str, Any] = {"base": _amount_json(formula.base)}
    if formula.cap is not None:
        out["cap"] = str(formula.cap)
    if formula.min_amount is not None:
        out["min_amount"] = str(formula.min_amount)
    if formula.exceptions:
        out["exceptions"] = []
        for e in formula.exceptions:
            ej: dict[str, Any] = {
                "priority": e.priority,
                "label": e.label,
                "clause": e.clause,
                "when": rule_to_json(e.when),
            }
            if e.base is not None:
                ej["base"] = _amount_json(e.base)
            if e.cap is not None:
                ej["cap"] = str(e.cap)
            out["exceptions"].append(ej)
    out["rounding"] = {"unit": formula.rounding_unit, "mode": formula.rounding_mode}
    if formula.clause:
        out["clause"] = formula.clause
    return out


def _check_source(source: Source, registry: Registry, path: str) -> None:
    if isinstance(source, str):
        var = registry.variable(source, path)
        if var.type not in ("decimal", "integer") or var.unit not in MONEY_UNITS:
            raise RuleError(f"「{var.label}」不是金额(元或万元),不能作为计算基数", path)
    else:
        check_aggregate(source, registry, path)
        if source.agg == "sum":
            field_ = registry.relation(source.of).field(source.field or "")
            if field_.unit not in MONEY_UNITS:
                raise RuleError(f"「{field_.label}」不是金额(元或万元),不能作为计算基数", path)
        else:
            raise RuleError("计算基数只能是金额变量或金额字段的合计", path)


def _check_amount(rule: AmountRule, registry: Registry, path: str) -> None:
    if isinstance(rule, (Rate, Tiers)):
        _check_source(rule.of, registry, f"{path}.of")
    elif isinstance(rule, SumOf):
        for i, p in enumerate(rule.parts):
            _check_amount(p, registry, f"{path}.parts[{i}]")


def check_formula(formula: Formula, registry: Registry, path: str = "公式") -> None:
    _check_amount(formula.base, registry, f"{path}.base")
    for i, e in enumerate(formula.exceptions):
        check_rule(e.when, registry, f"{path}.exceptions[{i}].when")
        if e.base is not None:
            _check_amount(e.base, registry, f"{path}.exceptions[{i}].base")


# --- computing --------------------------------------------------------------------------------------------------


class _Unknown(Exception):
    def __init__(self, label: str) -> None:
        self.label = label


class _Calculator:
    def __init__(self, facts: Mapping[str, Any], decision_date: dt.date, registry: Registry) -> None:
        self.facts, self.decision_date, self.registry = facts, decision_date, registry

    def source(self, source: Source) -> tuple[Decimal, str]:
        """Yuan value and its description."""
        if isinstance(source, str):
            var = self.registry.variable(source)
            value = normalise(var.type, self.facts.get(source))
            if value is None:
                raise _Unknown(var.label)
            yuan = value * MONEY_UNITS[var.unit]
            return yuan, f"{var.label} {fmt_number(value)} {var.unit}"
        relation = self.registry.relation(source.of)
        if self.facts.get(source.of) is None:
            raise _Unknown(relation.label)
        result = aggregate_value(source, self.facts[source.of], self.decision_date, self.registry)
        if isinstance(result, str):
            raise _Unknown(result)
        total = result[1]
        field_ = relation.field(source.field or "")
        yuan = total * MONEY_UNITS[field_.unit]
        return yuan, f"{describe_aggregate_subject(source, self.registry)} {fmt_number(total)} {field_.unit}"

    def amount(self, rule: AmountRule, steps: list[str]) -> Decimal:
        if isinstance(rule, Fixed):
            steps.append(f"定额 {fmt_number(rule.amount)} 元")
            return rule.amount
        if isinstance(rule, Rate):
            base, text = self.source(rule.of)
            result = base * rule.rate
            steps.append(f"{text} × {fmt_rate(rule.rate)} = {fmt_number(result)} 元")
            return result
        if isinstance(rule, Tiers):
            base, text = self.source(rule.of)
            if rule.mode == "bracket":
                for t in rule.tiers:
                    if t.lo <= base and (t.hi is None or base < t.hi):
                        upper = "以上" if t.hi is None else f"至 {fmt_number(t.hi)} 元"
                        band = f"{text},属 {fmt_number(t.lo)} 元{upper}档"
                        if t.rate is not None:
                            result = base * t.rate
                            steps.append(f"{band}:{fmt_number(base)} × {fmt_rate(t.rate)} = {fmt_number(result)} 元")
                            return result
                        assert t.amount is not None
                        steps.append(f"{band}:定额 {fmt_number(t.amount)} 元")
                        return t.amount
                steps.append(f"{text},低于最低档 {fmt_number(rule.tiers[0].lo)} 元:0 元")
                return Decimal(0)
            result = Decimal(0)
            parts: list[str] = []
            for t in rule.tiers:
                if base <= t.lo:
                    break
                top: Decimal = base if t.hi is None else min(base, t.hi)
                assert t.rate is not None
                part = (top - t.lo) * t.rate
                parts.append(f"({fmt_number(top)} − {fmt_number(t.lo)}) × {fmt_rate(t.rate)}")
                result += part
            steps.append(f"{text},超额累进:{' + '.join(parts) or '0'} = {fmt_number(result)} 元")
            return result
        total = Decimal(0)
        for p in rule.parts:
            total += self.amount(p, steps)
        steps.append(f"合计 {fmt_number(total)} 元")
        return total


def _round_fen(yuan: Decimal, formula: Formula) -> int:
    unit = ROUNDING_UNITS[formula.rounding_unit]
    rounded = (yuan / unit).quantize(Decimal(1), rounding=ROUNDING_MODES[formula.rounding_mode]) * unit
    return int(rounded * 100)


def _finish(yuan: Decimal, cap: Decimal | None, formula: Formula, steps: list[str]) -> int:
    fen = _round_fen(yuan, formula)
    unit_label = ROUNDING_UNIT_LABELS[formula.rounding_unit]
    if Decimal(fen) / 100 != yuan:
        steps.append(f"按{unit_label}{ROUNDING_MODE_LABELS[formula.rounding_mode]}:{fmt_fen(fen)}")
    if cap is not None:
        cap_fen = int(cap * 100)
        if fen > cap_fen:
            steps.append(f"超过上限 {fmt_fen(cap_fen)},按上限计")
            fen = cap_fen
    if formula.min_amount is not None and fen < int(formula.min_amount * 100):
        steps.append(f"低于起付金额 {fmt_fen(int(formula.min_amount * 100))},不予兑现")
        fen = 0
    return fen


def _option(calc: _Calculator, formula: Formula, exception: Exception_ | None, steps: list[str]) -> int:
    rule = exception.base if exception and exception.base is not None else formula.base
    cap = exception.cap if exception and exception.cap is not None else formula.cap
    if exception is not None:
        steps.append(f"适用例外「{exception.label}」({exception.clause})")
    return _finish(calc.amount(rule, steps), cap, formula, steps)


def compute_benefit(
    formula: Formula, facts: Mapping[str, Any], *, decision_date: dt.date, registry: Registry
) -> Benefit:
    """The amount for one enterprise. Exceptions are tried by priority; an UNKNOWN one that would change the
    amount makes the amount unknown (with the range of possible amounts)."""
    calc = _Calculator(facts, decision_date, registry)
    candidates: list[Exception_ | None] = []
    missing: list[str] = []
    chosen: Exception_ | None = None
    for e in formula.exceptions:
        ev = evaluate(e.when, facts, decision_date=decision_date, registry=registry)
        if ev.verdict is Verdict.TRUE:
            chosen = e
            break
        if ev.verdict is Verdict.UNKNOWN:
            candidates.append(e)
            missing += [m for m in ev.missing if m not in missing]
    candidates.append(chosen)
    results: list[tuple[int, list[str], Exception_ | None]] = []
    try:
        for option in candidates:
            steps: list[str] = []
            results.append((_option(calc, formula, option, steps), steps, option))
    except _Unknown as unknown:
        label = unknown.label
        return Benefit(
            None, [f"需补充信息: {label}"], None, formula.clause, [label, *[m for m in missing if m != label]]
        )
    amount, steps, option = results[-1]
    clause = option.clause if option else formula.clause
    distinct = {r[0] for r in results}
    if len(distinct) == 1:
        return Benefit(amount, steps, option.label if option else None, clause)
    names = "、".join(f"「{r[2].label}」" for r in results[:-1] if r[2] is not None)
    steps = [
        f"是否适用{names}尚不确定(需补充信息: {'、'.join(missing)}),金额在 {fmt_fen(min(distinct))} 至 {fmt_fen(max(distinct))} 之间"
    ]
    return Benefit(None, steps, None, clause, missing, (min(distinct), max(distinct)))
