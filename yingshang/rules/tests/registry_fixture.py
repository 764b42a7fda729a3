"""A small registry for the pure engine tests (no Django)."""

from __future__ import annotations

from yingshang.rules import Field, Registry, Relation, Variable


def make_registry() -> Registry:
    r = Registry()
    r.add_variable(Variable("revenue", "营业收入", "decimal", "万元"))
    r.add_variable(Variable("equipment", "生产性设备投资", "decimal", "万元"))
    r.add_variable(Variable("fee", "评估费", "decimal", "元"))
    r.add_variable(Variable("employees", "从业人数", "integer", "人"))
    r.add_variable(Variable("founded", "成立日期", "date"))
    r.add_variable(Variable("dishonest", "失信被执行人", "boolean"))
    r.add_variable(Variable("robot", "机器换人项目", "boolean"))
    r.add_variable(Variable("scale", "企业规模", "choice", choices=(("above", "规上"), ("below", "规下"))))
    r.add_variable(Variable("code", "行业代码", "text"))
    r.add_variable(Variable("quals", "企业资质", "tags"))
    r.add_relation(
        Relation(
            "loans",
            "贷款",
            "granted_on",
            (
                Field("kind", "贷款类型", "choice", choices=(("a", "甲类"), ("b", "乙类"))),
                Field("amount", "贷款金额", "decimal", "元"),
                Field("granted_on", "放款日期", "date"),
            ),
            count_unit="笔",
        )
    )
    return r
