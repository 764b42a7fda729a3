"""Helpers for builder tests: what the edit page's inputs send for a given rule and formula."""

from __future__ import annotations

from typing import Any

from yingshang.policies import builder, formula_editor


def post_fields(rule: dict, formula: dict) -> dict[str, str]:
    """What the edit page's inputs send for a rule and formula (rendered and read back like a browser would)."""
    fields: dict[str, str] = {}
    tree = builder.node_from_json(rule)
    values = formula_editor.editor_values(formula)

    def rows(node: dict, name: str, path: str = "r") -> None:
        prefix = f"b-{name}-{path}"
        for key, value in node.items():
            if key == "children":
                for i, child in enumerate(value):
                    rows(child, name, f"{path}.{i}")
            elif key == "where":
                for i, row in enumerate(value):
                    for k, v in row.items():
                        fields[f"{prefix}-w{i}_{k}"] = v
            else:
                fields[f"{prefix}-{key}"] = str(value)

    def amount(a: dict, p: str) -> None:
        for key in ("kind", "amount", "rate", "mode"):
            fields[f"{p}-{key}"] = str(a.get(key, ""))
        source = a["source"]
        for key in ("src", "var", "rel", "field", "window", "wunit"):
            fields[f"{p}-s-{key}"] = str(source.get(key, ""))
        for i, w in enumerate(source.get("where", [])):
            for k, v in w.items():
                fields[f"{p}-s-w{i}-{k}"] = v
        for i, t in enumerate(a.get("tiers", [])):
            for k, v in t.items():
                fields[f"{p}-t{i}-{k}"] = v
        for i, part in enumerate(a.get("parts", [])):
            amount(part, f"{p}-p{i}")

    rows(tree, "rule")
    amount(values["base"], "f-base")
    fields.update(
        {
            "f-cap": values["cap"],
            "f-min_amount": values["min_amount"],
            "f-rounding_unit": values["rounding_unit"],
            "f-rounding_mode": values["rounding_mode"],
        }
    )
    for i, x in enumerate(values["exceptions"]):
        for key in ("priority", "label", "clause", "cap"):
            fields[f"f-x{i}-{key}"] = x[key]
        amount(x["base"], f"f-x{i}")
        rows(x["when"], f"x{i}")
    return fields


class FakePost(dict):
    def getlist(self, key: str) -> list[str]:
        return [self[key]]


def normal(value):
    """Compare as the engine reads it: the same JSON after the engine's own parse and serialisation."""
    from yingshang.rules import formula_to_json, parse_formula, parse_rule, rule_to_json

    if "base" in value or "exceptions" in value:
        return formula_to_json(parse_formula(value))
    return rule_to_json(parse_rule(value))


def round_trip(rule: dict[str, Any], formula: dict[str, Any]) -> tuple[Any, Any, list[Any]]:
    """Rule and formula as the builder reads them back from the posted form, and the problems it found."""
    post = FakePost(post_fields(rule, formula))
    trees = builder.trees_from_post(post)
    out_rule, problems = builder.rule_from_tree(trees["rule"])
    out_formula, formula_problems = formula_editor.formula_from_editor(formula_editor.editor_from_post(post, trees))
    return out_rule, out_formula, problems + formula_problems
