"""The form-based rule builder: rule JSON ⇄ flat form fields, and the add/remove actions of its buttons.

Staff never type JSON. Each condition is a row of inputs named `b-<tree>-<path>-<attr>` (tree "rule" for the
eligibility rule, "x0", "x1"... for the `when` of formula exceptions; path "r", "r.0", "r.0.2" for the position in
the tree), so one ordinary form POST carries the whole tree and the server rebuilds it, applies the button's action
and renders it again. The engine's own parser then checks the result (`outcomes.rule_problems`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import engine

GROUP_MODES = {"all": "全部满足", "any": "满足其一", "none": "均不满足"}
OP_LABELS = {
    "eq": "等于",
    "ne": "不等于",
    "gt": "大于",
    "ge": "大于等于",
    "lt": "小于",
    "le": "小于等于",
    "between": "介于(含)",
    "in": "属于其一",
    "not_in": "不属于",
    "is_true": "为“是”",
    "is_false": "为“否”",
    "within_last": "在最近…之内",
    "before": "早于",
    "after": "晚于",
    "starts_with": "以…开头",
}
AGG_LABELS = {"count": "条数", "sum": "合计", "exists": "存在"}
PERIOD_LABELS = {"years": "年", "months": "个月", "days": "天"}
_LIST_SPLIT = re.compile(r"[,,、;;\s]+")
_FIELD = re.compile(r"^b-(?P<tree>rule|x\d+)-(?P<path>r(?:\.\d+)*)-(?P<attr>[a-z0-9_]+)$")
MAX_NODES = 200


class BuilderError(ValueError):
    pass


@dataclass(frozen=True)
class Problem:
    path: str
    message: str


# ---- JSON → builder nodes -----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _value_fields(op: str | None, value: Any) -> dict[str, str]:
    if op == "between" and isinstance(value, list) and len(value) == 2:
        return {"value": _text(value[0]), "value2": _text(value[1])}
    if op == "within_last" and isinstance(value, dict) and value:
        unit, n = next(iter(value.items()))
        return {"value": str(n), "unit": unit}
    return {"value": _text(value)}


def node_from_json(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or not data:
        return {"t": "group", "mode": "all", "children": []}
    if "all" in data or "any" in data:
        mode = "all" if "all" in data else "any"
        return {"t": "group", "mode": mode, "children": [node_from_json(c) for c in data[mode]]}
    if "not" in data:
        inner = data["not"]
        if isinstance(inner, dict) and "any" in inner:
            return {"t": "group", "mode": "none", "children": [node_from_json(c) for c in inner["any"]]}
        return {"t": "group", "mode": "none", "children": [node_from_json(inner)]}
    if "agg" in data:
        window = data.get("window") or {}
        unit, n = next(iter(window.items())) if window else ("years", "")
        return {
            "t": "agg",
            "agg": data.get("agg", "count"),
            "of": data.get("of", ""),
            "field": data.get("field") or "",
            "window": str(n),
            "window_unit": unit,
            "op": data.get("op") or "",
            "clause": data.get("clause", ""),
            "where": [
                {"field": w.get("var", ""), "op": w.get("op", ""), **_value_fields(w.get("op"), w.get("value"))}
                for w in data.get("where", [])
            ],
            **_value_fields(data.get("op"), data.get("value")),
        }
    return {
        "t": "leaf",
        "var": data.get("var", ""),
        "op": data.get("op", ""),
        "clause": data.get("clause", ""),
        **_value_fields(data.get("op"), data.get("value")),
    }


# ---- form fields → builder nodes ----------------------------------------------------------------------------


def trees_from_post(post: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every builder tree posted with the form, by tree name."""
    flat: dict[str, dict[str, dict[str, str]]] = {}
    for key in post:
        m = _FIELD.match(key)
        if m:
            flat.setdefault(m["tree"], {}).setdefault(m["path"], {})[m["attr"]] = str(post.get(key, ""))
    trees = {}
    for tree, nodes in flat.items():
        if len(nodes) > MAX_NODES:
            raise BuilderError("条件过多,请拆分政策或简化条件")
        trees[tree] = _build(nodes, "r")
    return trees


def _child_paths(nodes: dict[str, dict[str, str]], path: str) -> list[str]:
    prefix = path + "."
    direct = [p for p in nodes if p.startswith(prefix) and "." not in p[len(prefix) :]]
    return sorted(direct, key=lambda p: int(p[len(prefix) :]))


def _build(nodes: dict[str, dict[str, str]], path: str) -> dict[str, Any]:
    attrs = nodes.get(path, {"t": "group", "mode": "all"})
    kind = attrs.get("t", "group")
    if kind == "group":
        return {
            "t": "group",
            "mode": attrs.get("mode", "all") if attrs.get("mode") in GROUP_MODES else "all",
            "children": [_build(nodes, p) for p in _child_paths(nodes, path)],
        }
    node: dict[str, Any] = {k: v.strip() for k, v in attrs.items() if not re.match(r"^w\d+_", k)}
    if kind == "agg":
        rows: dict[int, dict[str, str]] = {}
        for key, value in attrs.items():
            m = re.match(r"^w(\d+)_(field|op|value|value2|unit)$", key)
            if m:
                rows.setdefault(int(m[1]), {})[m[2]] = value.strip()
        node["where"] = [rows[i] for i in sorted(rows)]
    return node


# ---- builder nodes → JSON ------------------------------------------------------------------------------------


def _variable_type(key: str) -> str:
    variable = engine.REGISTRY.variables.get(key)
    return variable.type if variable else ""


def _field_type(relation: str, key: str) -> str:
    rel = engine.REGISTRY.relations.get(relation)
    if rel is None:
        return ""
    for f in rel.fields:
        if f.key == key:
            return f.type
    return ""


def _number(text: str) -> str:
    return text.replace(",", "").replace(",", "").strip()


def _convert_value(type_: str, op: str, node: Mapping[str, str], path: str, problems: list[Problem]) -> Any:
    value = node.get("value", "").strip()
    if op in ("is_true", "is_false"):
        return None
    if op in ("in", "not_in", "starts_with"):
        items = [v for v in _LIST_SPLIT.split(value) if v]
        if not items:
            problems.append(Problem(path, "请填写取值(多个取值用顿号或逗号分隔)"))
        return items
    if op == "between":
        hi = node.get("value2", "").strip()
        if not value or not hi:
            problems.append(Problem(path, "请填写区间的下限和上限"))
        if type_ == "date":
            return [value, hi]
        return [_number(value), _number(hi)]
    if op == "within_last":
        unit = node.get("unit") or "years"
        if not value.isdigit() or int(value) <= 0:
            problems.append(Problem(path, "请填写时间长度(正整数)"))
            return {unit: 1}
        return {unit: int(value)}
    if not value:
        problems.append(Problem(path, "请填写比较值"))
        return ""
    if type_ == "boolean":
        return value.lower() in ("true", "是", "1", "yes")
    if type_ in ("decimal", "integer"):
        return _number(value)
    return value


def _leaf_json(node: Mapping[str, Any], path: str, problems: list[Problem]) -> dict[str, Any]:
    var, op = node.get("var", ""), node.get("op", "")
    if not var:
        problems.append(Problem(path, "请选择变量"))
    if not op:
        problems.append(Problem(path, "请选择比较方式"))
    out: dict[str, Any] = {"var": var, "op": op}
    if op not in ("is_true", "is_false"):
        out["value"] = _convert_value(_variable_type(var), op, node, path, problems)
    out["clause"] = node.get("clause", "").strip()
    if not out["clause"]:
        problems.append(Problem(path, "请填写条件依据的政策条款(如 第四条)"))
    return out


def _agg_json(node: Mapping[str, Any], path: str, problems: list[Problem]) -> dict[str, Any]:
    agg, rel = node.get("agg", "count"), node.get("of", "")
    if not rel:
        problems.append(Problem(path, "请选择关联记录"))
    out: dict[str, Any] = {"agg": agg, "of": rel}
    if agg == "sum":
        out["field"] = node.get("field", "")
        if not out["field"]:
            problems.append(Problem(path, "合计须选择字段"))
    where = []
    for i, row in enumerate(node.get("where", [])):
        if not row.get("field"):
            continue
        cond: dict[str, Any] = {"var": row["field"], "op": row.get("op", "eq")}
        if cond["op"] not in ("is_true", "is_false"):
            cond["value"] = _convert_value(
                _field_type(rel, row["field"]), cond["op"], row, f"{path} 筛选{i + 1}", problems
            )
        where.append(cond)
    if where:
        out["where"] = where
    window = node.get("window", "").strip()
    if window:
        if not window.isdigit() or int(window) <= 0:
            problems.append(Problem(path, "时间范围须为正整数"))
        else:
            out["window"] = {node.get("window_unit") or "years": int(window)}
    if agg != "exists":
        out["op"] = node.get("op") or "ge"
        out["value"] = _convert_value("decimal", out["op"], node, path, problems)
    out["clause"] = node.get("clause", "").strip()
    if not out["clause"]:
        problems.append(Problem(path, "请填写条件依据的政策条款(如 第四条)"))
    return out


def node_to_json(node: Mapping[str, Any], path: str = "r", problems: list[Problem] | None = None) -> dict[str, Any]:
    problems = problems if problems is not None else []
    kind = node.get("t", "group")
    if kind == "leaf":
        return _leaf_json(node, path, problems)
    if kind == "agg":
        return _agg_json(node, path, problems)
    children = [node_to_json(c, f"{path}.{i}", problems) for i, c in enumerate(node.get("children", []))]
    mode = node.get("mode", "all")
    if path == "r" and not children:
        return {}
    if mode == "none":
        return {"not": children[0]} if len(children) == 1 else {"not": {"any": children}}
    return {mode: children}


def rule_from_tree(tree: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    rule = node_to_json(tree, "r", problems)
    return rule, problems


# ---- button actions -----------------------------------------------------------------------------------------


def _find(tree: dict[str, Any], path: str) -> dict[str, Any]:
    node = tree
    for part in path.split(".")[1:]:
        children = node.get("children", [])
        index = int(part)
        if index >= len(children):
            raise BuilderError("要操作的条件不存在,请刷新页面")
        node = children[index]
    return node


NEW_LEAF: dict[str, Any] = {"t": "leaf", "var": "", "op": "", "value": "", "clause": ""}
NEW_AGG: dict[str, Any] = {
    "t": "agg",
    "agg": "count",
    "of": "",
    "field": "",
    "window": "",
    "window_unit": "years",
    "op": "ge",
    "value": "",
    "clause": "",
    "where": [],
}


def apply_action(trees: dict[str, dict[str, Any]], action: str) -> None:
    """`add_leaf|rule|r.1`, `add_group|…`, `add_agg|…`, `remove|rule|r.0.2`, `add_where|rule|r.3`,
    `remove_where|rule|r.3|0`. Unknown actions are ignored (a stale page)."""
    parts = action.split("|")
    if len(parts) < 3:
        return
    verb, tree_name, path = parts[0], parts[1], parts[2]
    tree = trees.setdefault(tree_name, {"t": "group", "mode": "all", "children": []})
    if verb in ("add_leaf", "add_group", "add_agg"):
        group = _find(tree, path)
        if group.get("t") != "group":
            return
        new: dict[str, Any]
        if verb == "add_leaf":
            new = dict(NEW_LEAF)
        elif verb == "add_agg":
            new = {**NEW_AGG, "where": []}
        else:
            new = {"t": "group", "mode": "any", "children": []}
        group.setdefault("children", []).append(new)
    elif verb == "remove" and path != "r":
        parent_path, _, index = path.rpartition(".")
        parent = _find(tree, parent_path)
        children = parent.get("children", [])
        if int(index) < len(children):
            children.pop(int(index))
    elif verb == "add_where":
        node = _find(tree, path)
        node.setdefault("where", []).append({"field": "", "op": "eq", "value": ""})
    elif verb == "remove_where" and len(parts) == 4:
        node = _find(tree, path)
        rows = node.get("where", [])
        if int(parts[3]) < len(rows):
            rows.pop(int(parts[3]))


# ---- what the template needs --------------------------------------------------------------------------------


def catalogue() -> dict[str, Any]:
    from yingshang.rules.ast import OPS_FOR_TYPE

    variables = [
        {
            "key": v.key,
            "label": v.label,
            "unit": v.unit,
            "type": v.type,
            "source": v.source,
            "ops": list(OPS_FOR_TYPE.get(v.type, ())),
            "choices": list(v.choices),
        }
        for v in engine.REGISTRY.variables.values()
    ]
    relations = [
        {
            "key": r.key,
            "label": r.label,
            "fields": [{"key": f.key, "label": f.label, "unit": f.unit, "type": f.type} for f in r.fields],
        }
        for r in engine.REGISTRY.relations.values()
    ]
    return {
        "variables": variables,
        "relations": relations,
        "ops": OP_LABELS,
        "modes": GROUP_MODES,
        "aggs": AGG_LABELS,
        "periods": PERIOD_LABELS,
    }


def flatten(tree: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """Rows for the template: each node with its field prefix and depth (no recursive includes needed)."""
    rows: list[dict[str, Any]] = []

    def walk(node: dict[str, Any], path: str, depth: int) -> None:
        rows.append(
            {
                "node": node,
                "path": path,
                "prefix": f"b-{name}-{path}",
                "depth": depth,
                "tree": name,
                "where": list(enumerate(node.get("where", []))),
            }
        )
        for i, child in enumerate(node.get("children", []) if node.get("t") == "group" else []):
            walk(child, f"{path}.{i}", depth + 1)
        if node.get("t") == "group":
            rows.append({"end": True, "path": path, "tree": name, "depth": depth, "node": node})

    walk(tree, "r", 0)
    return rows
