"""A policy's rule in words: indented lines for the version page, (clause, condition) pairs for the Q&A index."""

from __future__ import annotations

from typing import Any

from . import engine


def _walk(node: Any, depth: int, out: list[tuple[int, str, str]]) -> None:
    """(depth, text, clause) for every node; groups carry no clause."""
    from yingshang.rules import Aggregate, All, AnyOf, Not
    from yingshang.rules.describe import describe_aggregate, describe_leaf

    if isinstance(node, All | AnyOf):
        out.append((depth, "同时满足以下全部条件:" if isinstance(node, All) else "满足以下任一条件:", ""))
        for child in node.children:
            _walk(child, depth + 1, out)
    elif isinstance(node, Not):
        out.append((depth, "不得出现以下情形:", ""))
        _walk(node.child, depth + 1, out)
    elif isinstance(node, Aggregate):
        out.append((depth, describe_aggregate(node, engine.REGISTRY), node.clause))
    else:
        spec = engine.REGISTRY.variables.get(node.var)
        text = describe_leaf(spec, node) if spec else f"{node.var} {node.op} {node.value}"
        out.append((depth, text, node.clause))


def _nodes(rule: Any) -> list[tuple[int, str, str]]:
    from yingshang.rules import parse_rule

    out: list[tuple[int, str, str]] = []
    if rule:
        _walk(parse_rule(rule), 0, out)
    return out


def rule_lines(rule: Any) -> list[tuple[int, str]]:
    """The rule in words, indented, for people who read the version history."""
    if not rule:
        return [(0, "(无条件)")]
    return [(depth, f"{text}({clause})" if clause else text) for depth, text, clause in _nodes(rule)]


def rule_sections(rule: Any) -> list[tuple[str, str]]:
    """Each condition with the clause it comes from, conditions of the same clause joined."""
    by_clause: dict[str, list[str]] = {}
    for _depth, text, clause in _nodes(rule):
        if clause:
            by_clause.setdefault(clause, []).append(text)
    return [(f"申报条件 {clause}", ";".join(texts)) for clause, texts in by_clause.items()]
