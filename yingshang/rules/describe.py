"""Chinese wording of conditions and values for explanations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from .ast import OP_SYMBOLS, Aggregate, Leaf
from .periods import Period, fmt_number
from .registry import Field, Registry, Variable


def show_value(spec: Variable | Field, value: Any) -> str:
    if value is None:
        return "未知"
    if spec.type in ("decimal", "integer"):
        return f"{fmt_number(Decimal(str(value)))} {spec.unit}".rstrip()
    if spec.type == "boolean":
        return "是" if value else "否"
    if spec.type == "date":
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if spec.type == "tags":
        return "、".join(sorted(value)) if value else "无"
    if spec.type == "choice":
        return spec.choice_label(value) or "(空)"
    return str(value)


def _operand_text(spec: Variable | Field, value: Any) -> str:
    if spec.type in ("decimal", "integer"):
        return f"{fmt_number(Decimal(str(value)))} {spec.unit}".rstrip()
    if spec.type == "choice":
        return spec.choice_label(value)
    if spec.type == "boolean":
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def describe_leaf(spec: Variable | Field, leaf: Leaf) -> str:
    label, op, v = spec.label, leaf.op, leaf.value
    if op in OP_SYMBOLS:
        return f"{label} {OP_SYMBOLS[op]} {_operand_text(spec, v)}"
    if op == "between":
        return f"{label}在 {_operand_text(spec, v[0])} 至 {_operand_text(spec, v[1])} 之间"
    if op in ("in", "not_in"):
        names = "、".join(spec.choice_label(x) for x in v)
        if spec.type == "tags":
            return f"{label}包含{names}之一" if op == "in" else f"{label}不含{names}"
        if len(v) == 1:
            return f"{label}为{names}" if op == "in" else f"{label}不为{names}"
        return f"{label}为{names}之一" if op == "in" else f"{label}不为{names}中任一项"
    if op == "starts_with":
        return f"{label}以 {'/'.join(v)} 开头"
    if op == "is_true":
        return f"{label}:是"
    if op == "is_false":
        return f"{label}:否"
    if op == "within_last":
        assert isinstance(v, Period)
        return f"{label}在近{v.text}内"
    if op == "before":
        return f"{label}早于 {v.isoformat()}"
    return f"{label}晚于 {v.isoformat()}"


def describe_aggregate_subject(node: Aggregate, registry: Registry) -> str:
    relation = registry.relation(node.of)
    parts = []
    if node.window is not None:
        parts.append(f"近{node.window.text}")
    parts.append(relation.label)
    if node.where:
        parts.append("(" + ",".join(describe_leaf(relation.field(w.var), w) for w in node.where) + ")")
    subject = "".join(parts)
    if node.agg == "sum":
        assert node.field is not None
        return f"{subject}{relation.field(node.field).label}合计"
    if node.agg == "count":
        return f"{subject}数量"
    return subject


def aggregate_unit(node: Aggregate, registry: Registry) -> str:
    relation = registry.relation(node.of)
    if node.agg == "sum":
        assert node.field is not None
        return relation.field(node.field).unit
    return relation.count_unit


def describe_aggregate(node: Aggregate, registry: Registry) -> str:
    subject = describe_aggregate_subject(node, registry)
    if node.agg == "exists":
        return f"有{subject}"
    unit = aggregate_unit(node, registry)
    if node.op == "between":
        lo, hi = node.value
        return f"{subject}在 {fmt_number(lo)} 至 {fmt_number(hi)} {unit}之间"
    return f"{subject} {OP_SYMBOLS[node.op or 'eq']} {fmt_number(node.value)} {unit}".rstrip()
