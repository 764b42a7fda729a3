"""The benefit-formula editor: formula JSON ⇄ flat form fields (`f-…`), like the rule builder.

An amount rule (prefix `f-base`, `f-x0`, parts `f-base-p0`) is fixed / rate / tiers / sum; the amount a rate or
tiers applies to is a variable in 元/万元 or the total of a field of related records (e.g. the loans' interest paid).
The `when` of each exception is a rule tree of the builder named `x<i>`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .builder import Problem, _convert_value, _field_type, _number, node_from_json, node_to_json

KIND_LABELS = {"": "无", "fixed": "固定金额", "rate": "按比例", "tiers": "分档", "sum": "多项相加"}
TIER_MODES = {"bracket": "按所在档位整体计算", "progressive": "超额累进"}
ROUNDING_UNITS = {"fen": "分", "yuan": "元", "wan": "万元"}
ROUNDING_MODES = {"half_up": "四舍五入", "down": "舍去"}


# ---- JSON → editor values -------------------------------------------------------------------------------------


def _source_values(source: Any) -> dict[str, Any]:
    if isinstance(source, dict):
        window = source.get("window") or {}
        unit, n = next(iter(window.items())) if window else ("years", "")
        return {
            "src": "agg",
            "var": "",
            "rel": source.get("of", ""),
            "field": source.get("field", ""),
            "window": str(n),
            "wunit": unit,
            "where": [
                {
                    "field": w.get("var", ""),
                    "op": w.get("op", "eq"),
                    "value": "、".join(map(str, w["value"]))
                    if isinstance(w.get("value"), list)
                    else str(w.get("value", "")),
                }
                for w in source.get("where", [])
            ],
        }
    return {"src": "var", "var": source or "", "rel": "", "field": "", "window": "", "wunit": "years", "where": []}


def amount_values(rule: Any) -> dict[str, Any]:
    rule = rule or {}
    kind = rule.get("kind", "")
    values: dict[str, Any] = {
        "kind": kind,
        "amount": rule.get("amount", ""),
        "rate": rule.get("rate", ""),
        "mode": rule.get("mode", "bracket"),
        "tiers": [
            {
                "from": t.get("from", ""),
                "to": t.get("to") or "",
                "rate": t.get("rate", ""),
                "amount": t.get("amount", ""),
            }
            for t in rule.get("tiers", [])
        ],
        "parts": [amount_values(p) for p in rule.get("parts", [])],
        "source": _source_values(rule.get("of")),
    }
    return values


def editor_values(formula: Any) -> dict[str, Any]:
    formula = formula or {}
    rounding = formula.get("rounding") or {}
    return {
        "base": amount_values(formula.get("base")),
        "cap": formula.get("cap", ""),
        "min_amount": formula.get("min_amount", ""),
        "rounding_unit": rounding.get("unit", "fen"),
        "rounding_mode": rounding.get("mode", "half_up"),
        "exceptions": [
            {
                "priority": str(x.get("priority", i + 1)),
                "label": x.get("label", ""),
                "clause": x.get("clause", ""),
                "cap": x.get("cap", ""),
                "base": amount_values(x.get("base")),
                "when": node_from_json(x.get("when")),
            }
            for i, x in enumerate(formula.get("exceptions", []))
        ],
    }


# ---- form fields → editor values ------------------------------------------------------------------------------


def _indexed(post: Mapping[str, Any], prefix: str, attr_re: str) -> dict[int, dict[str, str]]:
    rows: dict[int, dict[str, str]] = {}
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)-({attr_re})$")
    for key in post:
        m = pattern.match(key)
        if m:
            rows.setdefault(int(m[1]), {})[m[2]] = str(post.get(key, "")).strip()
    return rows


def _source_from_post(post: Mapping[str, Any], p: str) -> dict[str, Any]:
    rows = _indexed(post, f"{p}-w", "field|op|value")
    return {
        "src": post.get(f"{p}-src", "var"),
        "var": post.get(f"{p}-var", ""),
        "rel": post.get(f"{p}-rel", ""),
        "field": post.get(f"{p}-field", ""),
        "window": str(post.get(f"{p}-window", "")).strip(),
        "wunit": post.get(f"{p}-wunit", "years"),
        "where": [rows[i] for i in sorted(rows)],
    }


def amount_from_post(post: Mapping[str, Any], p: str, depth: int = 0) -> dict[str, Any]:
    tiers = _indexed(post, f"{p}-t", "from|to|rate|amount")
    part_ids = sorted({int(m[1]) for k in post if (m := re.match(rf"^{re.escape(p)}-p(\d+)-kind$", k))})
    return {
        "kind": post.get(f"{p}-kind", ""),
        "amount": str(post.get(f"{p}-amount", "")).strip(),
        "rate": str(post.get(f"{p}-rate", "")).strip(),
        "mode": post.get(f"{p}-mode", "bracket"),
        "tiers": [tiers[i] for i in sorted(tiers)],
        "parts": [amount_from_post(post, f"{p}-p{i}", depth + 1) for i in part_ids] if depth == 0 else [],
        "source": _source_from_post(post, f"{p}-s"),
    }


def editor_from_post(post: Mapping[str, Any], trees: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    ids = sorted({int(m[1]) for k in post if (m := re.match(r"^f-x(\d+)-label$", k))})
    return {
        "base": amount_from_post(post, "f-base"),
        "cap": str(post.get("f-cap", "")).strip(),
        "min_amount": str(post.get("f-min_amount", "")).strip(),
        "rounding_unit": post.get("f-rounding_unit", "fen"),
        "rounding_mode": post.get("f-rounding_mode", "half_up"),
        "exceptions": [
            {
                "priority": str(post.get(f"f-x{i}-priority", "")).strip(),
                "label": str(post.get(f"f-x{i}-label", "")).strip(),
                "clause": str(post.get(f"f-x{i}-clause", "")).strip(),
                "cap": str(post.get(f"f-x{i}-cap", "")).strip(),
                "base": amount_from_post(post, f"f-x{i}"),
                "when": trees.get(f"x{i}", {"t": "group", "mode": "all", "children": []}),
            }
            for i in ids
        ],
    }


# ---- editor values → JSON -------------------------------------------------------------------------------------


def _source_json(source: Mapping[str, Any], path: str, problems: list[Problem]) -> Any:
    if source.get("src") == "agg":
        rel = source.get("rel", "")
        out: dict[str, Any] = {"agg": "sum", "of": rel, "field": source.get("field", "")}
        if not rel or not out["field"]:
            problems.append(Problem(path, "请选择要合计的关联记录和字段"))
        where = []
        for row in source.get("where", []):
            if row.get("field"):
                op = row.get("op") or "eq"
                cond: dict[str, Any] = {"var": row["field"], "op": op}
                if op not in ("is_true", "is_false"):
                    cond["value"] = _convert_value(_field_type(rel, row["field"]), op, row, path, problems)
                where.append(cond)
        if where:
            out["where"] = where
        window = str(source.get("window", "")).strip()
        if window.isdigit() and int(window) > 0:
            out["window"] = {source.get("wunit") or "years": int(window)}
        return out
    if not source.get("var"):
        problems.append(Problem(path, "请选择计算基数(变量)"))
    return source.get("var", "")


def amount_json(values: Mapping[str, Any], path: str, problems: list[Problem]) -> dict[str, Any] | None:
    kind = values.get("kind", "")
    if not kind:
        return None
    if kind == "fixed":
        if not values.get("amount"):
            problems.append(Problem(path, "请填写固定金额"))
        return {"kind": "fixed", "amount": _number(str(values.get("amount", "")))}
    if kind == "rate":
        if not values.get("rate"):
            problems.append(Problem(path, "请填写比例(如 0.10 表示 10%)"))
        return {
            "kind": "rate",
            "of": _source_json(values.get("source", {}), path, problems),
            "rate": _number(str(values.get("rate", ""))),
        }
    if kind == "tiers":
        tiers = []
        for row in values.get("tiers", []):
            if not (row.get("from") or row.get("rate") or row.get("amount")):
                continue
            tier: dict[str, Any] = {
                "from": _number(row.get("from") or "0"),
                "to": _number(row["to"]) if row.get("to") else None,
            }
            if row.get("rate"):
                tier["rate"] = _number(row["rate"])
            else:
                tier["amount"] = _number(row.get("amount", ""))
            tiers.append(tier)
        if not tiers:
            problems.append(Problem(path, "请至少填写一个档位"))
        return {
            "kind": "tiers",
            "of": _source_json(values.get("source", {}), path, problems),
            "mode": values.get("mode") or "bracket",
            "tiers": tiers,
        }
    if kind == "sum":
        parts = [
            p
            for i, part in enumerate(values.get("parts", []))
            if (p := amount_json(part, f"{path} 第{i + 1}项", problems)) is not None
        ]
        if not parts:
            problems.append(Problem(path, "请至少添加一项"))
        return {"kind": "sum", "parts": parts}
    problems.append(Problem(path, "计算方式无效"))
    return None


def formula_from_editor(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    base = amount_json(values.get("base", {}), "基本标准", problems)
    exceptions = values.get("exceptions", [])
    if base is None and not exceptions:
        return {}, problems
    formula: dict[str, Any] = {}
    if base is not None:
        formula["base"] = base
    else:
        problems.append(Problem("基本标准", "设置了特殊情形时须填写基本标准"))
    for key in ("cap", "min_amount"):
        if values.get(key):
            formula[key] = _number(values[key])
    out_exceptions = []
    for i, x in enumerate(exceptions):
        path = f"特殊情形{i + 1}"
        item: dict[str, Any] = {
            "priority": int(x["priority"]) if str(x.get("priority", "")).isdigit() else i + 1,
            "label": x.get("label", "") or path,
            "clause": x.get("clause", ""),
        }
        if not item["clause"]:
            problems.append(Problem(path, "请填写依据的政策条款"))
        when = node_to_json(x.get("when", {}), f"{path}-r", problems)
        if not when:
            problems.append(Problem(path, "请设置适用条件"))
        item["when"] = when
        base_x = amount_json(x.get("base", {}), path, problems)
        if base_x is not None:
            item["base"] = base_x
        if x.get("cap"):
            item["cap"] = _number(x["cap"])
        if "base" not in item and "cap" not in item:
            problems.append(Problem(path, "特殊情形须改变计算方式或上限"))
        out_exceptions.append(item)
    if out_exceptions:
        formula["exceptions"] = out_exceptions
    formula["rounding"] = {
        "unit": values.get("rounding_unit") or "fen",
        "mode": values.get("rounding_mode") or "half_up",
    }
    return formula, problems


# ---- button actions -------------------------------------------------------------------------------------------


def apply_formula_action(values: dict[str, Any], action: str) -> None:
    """`add_exception`, `remove_exception|<i>`, `add_tier|<amount path>`, `add_part|base`, `remove_part|base|<i>`,
    `add_source_where|<amount path>`; an amount path is `base`, `x0`, `base.p1`."""
    parts = action.split("|")
    verb = parts[0]
    if verb == "add_exception":
        values.setdefault("exceptions", []).append(
            {
                "priority": str(len(values.get("exceptions", [])) + 1),
                "label": "",
                "clause": "",
                "cap": "",
                "base": amount_values(None),
                "when": {"t": "group", "mode": "all", "children": []},
            }
        )
        return
    if verb == "remove_exception" and len(parts) == 2 and parts[1].isdigit():
        exceptions = values.get("exceptions", [])
        if int(parts[1]) < len(exceptions):
            exceptions.pop(int(parts[1]))
        return
    if len(parts) < 2:
        return
    target = _amount_at(values, parts[1])
    if target is None:
        return
    if verb == "add_tier":
        target.setdefault("tiers", []).append({"from": "", "to": "", "rate": "", "amount": ""})
    elif verb == "add_part":
        target.setdefault("parts", []).append(amount_values({"kind": "rate"}))
    elif verb == "remove_part" and len(parts) == 3 and parts[2].isdigit():
        if int(parts[2]) < len(target.get("parts", [])):
            target["parts"].pop(int(parts[2]))
    elif verb == "add_source_where":
        target.setdefault("source", _source_values(None)).setdefault("where", []).append(
            {"field": "", "op": "eq", "value": ""}
        )


def _amount_at(values: dict[str, Any], path: str) -> dict[str, Any] | None:
    head, _, part = path.partition(".p")
    if head == "base":
        amount = values.get("base")
    elif head.startswith("x") and head[1:].isdigit() and int(head[1:]) < len(values.get("exceptions", [])):
        amount = values["exceptions"][int(head[1:])]["base"]
    else:
        return None
    if part:
        if not part.isdigit() or amount is None or int(part) >= len(amount.get("parts", [])):
            return None
        return amount["parts"][int(part)]
    return amount
