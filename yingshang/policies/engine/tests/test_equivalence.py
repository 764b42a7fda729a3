"""The two evaluators agree: for random rules and random enterprises (with missing values), the Python verdict of
each enterprise equals the set it falls in when the rule is compiled to SQL. Runs on SQLite and, with DATABASE_URL,
on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from yingshang.enterprises.models import (
    Enterprise,
    EnterpriseFact,
    EnterpriseQualification,
    IndustryChain,
    Park,
    Qualification,
    Township,
)
from yingshang.policies.engine import (
    REGISTRY,
    compile_rule,
    count_matches,
    facts_for_enterprise,
    match_ids,
    match_rows,
)
from yingshang.policies.engine.records import EnterpriseLoan, EnterpriseViolation
from yingshang.rules import Verdict, evaluate, parse_rule, screen_function
from yingshang.rules.evaluate import explain

from .strategies import CHAINS, DECISION_DATES, PARKS, QUALIFICATIONS, TOWNS, enterprises, rules

_uscc = itertools.count(1)


def _create(spec: dict[str, Any], refs: dict[str, dict[str, Any]]) -> Enterprise:
    n = next(_uscc)
    e = Enterprise.objects.create(
        uscc=f"91420800{n:010d}",
        name=f"测试企业{n}",
        annual_revenue=spec["annual_revenue"],
        registered_capital=spec["registered_capital"],
        employees=spec["employees"],
        registration_date=spec["registration_date"],
        industry_code=spec["industry_code"],
        scale=spec["scale"],
        four_up_category=spec["four_up_category"],
        is_dishonest_executee=spec["is_dishonest_executee"],
        township=refs["town"].get(spec["township"]),
        park=refs["park"].get(spec["park"]),
    )
    for name, expires in spec["qualifications"]:
        EnterpriseQualification.objects.create(enterprise=e, qualification=refs["qual"][name], expires_on=expires)
    e.industry_chains.set([refs["chain"][c] for c in spec["chains"]])
    today = dt.date(2026, 11, 20)
    supplied: dict[str, Any] = {
        "equipment_investment": (
            None
            if spec["equipment_investment"] is None
            else float(spec["equipment_investment"])
            if spec["equipment_as_number"]
            and spec["equipment_investment"] == spec["equipment_investment"].to_integral()
            else str(spec["equipment_investment"])
        ),
        "construction_period_months": spec["construction_period_months"],
        "robot_replacement_project": spec["robot_replacement_project"],
        "agri_entity_type": spec["agri_entity_type"],
    }
    for key, value in supplied.items():
        if value is not None or spec["json_null_fact"]:
            EnterpriseFact.objects.create(enterprise=e, key=key, year=None, value=value, source="测试", as_of=today)
    for loan in spec["loans"]:
        EnterpriseLoan.objects.create(enterprise=e, **loan)
    for v in spec["violations"]:
        EnterpriseViolation.objects.create(enterprise=e, **v)
    return e


def _refs() -> dict[str, dict[str, Any]]:
    return {
        "town": {n: Township.objects.get_or_create(name=n)[0] for n in TOWNS},
        "park": {n: Park.objects.get_or_create(name=n)[0] for n in PARKS},
        "chain": {n: IndustryChain.objects.get_or_create(name=n)[0] for n in CHAINS},
        "qual": {
            n: Qualification.objects.get_or_create(name=n, defaults={"code": f"q{i}"})[0]
            for i, n in enumerate(QUALIFICATIONS)
        },
    }


def _check(rule: dict[str, Any], facts: dict[int, dict[str, Any]], decision_date: dt.date) -> None:
    parsed = parse_rule(rule)
    ids = list(facts)
    python = {}
    for pk, f in facts.items():
        evaluation = evaluate(parsed, f, decision_date=decision_date, registry=REGISTRY)
        # The compiled closures (verdict, near miss) and the explanation tree agree too.
        full = explain(parsed, f, decision_date=decision_date, registry=REGISTRY)
        assert full.tree.verdict is evaluation.verdict, rule
        assert full.is_near_miss == evaluation.is_near_miss, rule
        # The 政策礼包's screen lists exactly the eligible, unknown and near-miss policies.
        shown = full.tree.verdict is not Verdict.FALSE or full.is_near_miss
        assert screen_function(parsed, REGISTRY)(f, decision_date) is shown, rule
        python[pk] = evaluation.verdict
    for v in python.values():
        event(f"verdict {v.value}")
    eligible_q, unknown_q = compile_rule(rule, decision_date=decision_date)
    scope = Enterprise.objects.filter(pk__in=ids)
    eligible = set(scope.filter(eligible_q).values_list("pk", flat=True))
    unknown = set(scope.filter(unknown_q).values_list("pk", flat=True))
    sql = {pk: Verdict.TRUE if pk in eligible else Verdict.UNKNOWN if pk in unknown else Verdict.FALSE for pk in ids}
    assert not eligible & unknown
    assert sql == python, rule
    assert count_matches(rule, decision_date=decision_date, queryset=scope) == (len(eligible), len(unknown))
    expected = {pk: v for pk, v in python.items() if v is not Verdict.FALSE}
    streamed = {pk: v for pk, v in match_ids(rule, decision_date=decision_date) if pk in set(ids)}
    assert streamed == expected
    assert dict(match_rows(rule, decision_date=decision_date, ids=ids)) == expected, rule


@pytest.mark.django_db
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    rule_list=st.lists(rules(), min_size=1, max_size=10),
    specs=st.lists(enterprises(), min_size=2, max_size=5),
    decision_date=st.sampled_from(DECISION_DATES),
)
def test_python_and_sql_verdicts_agree(
    rule_list: list[dict[str, Any]], specs: list[dict[str, Any]], decision_date: dt.date
) -> None:
    with transaction.atomic():
        refs = _refs()
        created = [_create(s, refs) for s in specs]
        facts = {e.pk: facts_for_enterprise(e, decision_date=decision_date) for e in created}
        for rule in rule_list:
            _check(rule, facts, decision_date)
        transaction.set_rollback(True)
