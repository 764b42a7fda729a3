"""The catalogue of everything a rule may read: each variable and relation registered once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import RuleError

VarType = Literal["decimal", "integer", "boolean", "date", "choice", "text", "tags"]
VAR_TYPES: tuple[str, ...] = ("decimal", "integer", "boolean", "date", "choice", "text", "tags")
NUMERIC_TYPES = frozenset({"decimal", "integer"})
MONEY_UNITS = {"元": 1, "万元": 10000}

TYPE_LABELS = {
    "decimal": "数值",
    "integer": "整数",
    "boolean": "是/否",
    "date": "日期",
    "choice": "选项",
    "text": "文本",
    "tags": "标签",
}


@dataclass(frozen=True)
class Variable:
    """One fact about an enterprise.

    `accessor` reads the value from whatever object the adapter passes (an Enterprise); `db` is the adapter's
    database expression for the same value (opaque here). `None` from either means "unknown".
    """

    key: str
    label: str
    type: VarType
    unit: str = ""
    source: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    accessor: Callable[..., Any] | None = field(default=None, compare=False)
    db: Any = field(default=None, compare=False)
    description: str = ""
    # True when the value can never be unknown in the database (NOT NULL columns, M2M tags).
    always_known: bool = False

    def choice_label(self, value: Any) -> str:
        for v, label in self.choices:
            if v == value:
                return label
        return str(value)


@dataclass(frozen=True)
class Field:
    """A field of a related record. Money fields (unit 元) are Decimal yuan in facts and integer fen in storage."""

    key: str
    label: str
    type: VarType
    unit: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    db: str = ""  # column name on the related model

    def choice_label(self, value: Any) -> str:
        for v, label in self.choices:
            if v == value:
                return label
        return str(value)


@dataclass(frozen=True)
class Relation:
    """Records related to an enterprise (loans, violations, past grants)."""

    key: str
    label: str
    date_field: str
    fields: tuple[Field, ...]
    count_unit: str = "条"
    source: str = ""
    accessor: Callable[..., list[dict[str, Any]]] | None = field(default=None, compare=False)
    db: Any = field(default=None, compare=False)  # adapter: the model class

    def field(self, key: str, path: str = "") -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise RuleError(f"「{self.label}」没有字段 {key}", path)


class Registry:
    def __init__(self) -> None:
        self.variables: dict[str, Variable] = {}
        self.relations: dict[str, Relation] = {}

    def add_variable(self, variable: Variable) -> Variable:
        if variable.key in self.variables or variable.key in self.relations:
            raise RuleError(f"变量 {variable.key} 已登记")
        if variable.type not in VAR_TYPES:
            raise RuleError(f"变量 {variable.key} 的类型 {variable.type} 无效")
        self.variables[variable.key] = variable
        return variable

    def add_relation(self, relation: Relation, *, replace: bool = False) -> Relation:
        if not replace and (relation.key in self.relations or relation.key in self.variables):
            raise RuleError(f"关联记录 {relation.key} 已登记")
        if relation.date_field not in {f.key for f in relation.fields}:
            raise RuleError(f"关联记录 {relation.key} 的日期字段 {relation.date_field} 不在字段中")
        self.relations[relation.key] = relation
        return relation

    def variable(self, key: str, path: str = "") -> Variable:
        try:
            return self.variables[key]
        except KeyError:
            raise RuleError(f"未登记的变量「{key}」", path) from None

    def relation(self, key: str, path: str = "") -> Relation:
        try:
            return self.relations[key]
        except KeyError:
            raise RuleError(f"未登记的关联记录「{key}」", path) from None

    def describe(self) -> str:
        lines = []
        for v in self.variables.values():
            unit = f" ({v.unit})" if v.unit else ""
            lines.append(f"{v.key}\t{v.label}{unit}\t{TYPE_LABELS[v.type]}\t{v.source}")
        for r in self.relations.values():
            fields = ", ".join(f"{f.key}={f.label}" for f in r.fields)
            lines.append(f"{r.key}\t{r.label}\t关联记录\t{fields}")
        return "\n".join(lines)

    def as_catalogue(self) -> Mapping[str, Any]:
        """JSON-ready description for the rule builder."""
        return {
            "variables": [
                {
                    "key": v.key,
                    "label": v.label,
                    "type": v.type,
                    "unit": v.unit,
                    "source": v.source,
                    "choices": [list(c) for c in v.choices],
                }
                for v in self.variables.values()
            ],
            "relations": [
                {
                    "key": r.key,
                    "label": r.label,
                    "date_field": r.date_field,
                    "count_unit": r.count_unit,
                    "fields": [
                        {
                            "key": f.key,
                            "label": f.label,
                            "type": f.type,
                            "unit": f.unit,
                            "choices": [list(c) for c in f.choices],
                        }
                        for f in r.fields
                    ],
                }
                for r in self.relations.values()
            ],
        }
