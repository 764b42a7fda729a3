"""Facts of a stored enterprise and facts typed by a person."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yingshang.core.errors import ApplicationError
from yingshang.enterprises.models import EnterpriseFact, EnterpriseQualification, Qualification
from yingshang.enterprises.tests.factories import EnterpriseFactory
from yingshang.policies.engine import REGISTRY, count_matches, facts_for_enterprise, facts_from_input, match_rows
from yingshang.policies.engine.records import EnterpriseViolation
from yingshang.policies.engine.seed_policies import TECH_RENEWAL
from yingshang.rules import Verdict, compute_benefit, evaluate, parse_formula, parse_rule

D = dt.date(2026, 11, 20)


@pytest.mark.django_db
def test_stored_enterprise_gets_the_tech_subsidy_and_sql_agrees() -> None:
    enterprise = EnterpriseFactory.create(industry_code="3841", scale="above", is_dishonest_executee=False)
    enterprise.industry_chains.clear()
    supplied = {
        "pays_tax_in_district": True,
        "independent_legal_person": True,
        "project_fits_industrial_policy": True,
        "equipment_investment": "2600",
        "construction_period_months": 30,
        "equipment_bought_in_period": True,
        "project_previously_funded": False,
        "robot_replacement_project": False,
    }
    for key, value in supplied.items():
        EnterpriseFact.objects.create(
            enterprise=enterprise, key=key, year=None, value=value, source="企业自报", as_of=D
        )
    EnterpriseViolation.objects.create(enterprise=enterprise, kind="safety", severity="general", occurred_on=D)
    facts = facts_for_enterprise(enterprise, decision_date=D)
    assert facts["equipment_investment"] == Decimal("2600")
    assert facts["is_manufacturing"] is True
    assert facts["violations"] == [{"kind": "safety", "severity": "general", "occurred_on": D}]
    rule = parse_rule(TECH_RENEWAL["rule"])
    assert evaluate(rule, facts, decision_date=D, registry=REGISTRY).verdict is Verdict.TRUE
    benefit = compute_benefit(parse_formula(TECH_RENEWAL["formula"]), facts, decision_date=D, registry=REGISTRY)
    # Industry code 3841 (锂离子电池制造) is a battery maker whatever its chains: 12% of 2,600万 = 312万.
    assert benefit.amount_fen == 312_000_000
    assert dict(match_rows(TECH_RENEWAL["rule"], decision_date=D, ids=[enterprise.pk])) == {enterprise.pk: Verdict.TRUE}
    # A major safety accident a year ago excludes it, in Python and in SQL alike.
    EnterpriseViolation.objects.create(
        enterprise=enterprise, kind="safety", severity="major", occurred_on=D - dt.timedelta(days=365)
    )
    facts = facts_for_enterprise(enterprise, decision_date=D)
    assert evaluate(rule, facts, decision_date=D, registry=REGISTRY).verdict is Verdict.FALSE
    assert dict(match_rows(TECH_RENEWAL["rule"], decision_date=D, ids=[enterprise.pk])) == {}


@pytest.mark.django_db
def test_missing_supplied_fact_is_unknown_everywhere() -> None:
    enterprise = EnterpriseFactory.create(industry_code="3841", scale="above", is_dishonest_executee=False)
    facts = facts_for_enterprise(enterprise, decision_date=D)
    evaluation = evaluate(parse_rule(TECH_RENEWAL["rule"]), facts, decision_date=D, registry=REGISTRY)
    assert evaluation.verdict is Verdict.UNKNOWN
    assert "生产性设备投资额(实际完成)" in evaluation.missing
    eligible, unknown = count_matches(TECH_RENEWAL["rule"], decision_date=D)
    assert (eligible, unknown) == (0, 1)


@pytest.mark.django_db
def test_expired_qualification_does_not_count() -> None:
    enterprise = EnterpriseFactory.create()
    qualification, _ = Qualification.objects.get_or_create(name="高新技术企业", defaults={"code": "high_tech"})
    EnterpriseQualification.objects.filter(enterprise=enterprise).delete()
    EnterpriseQualification.objects.create(
        enterprise=enterprise, qualification=qualification, expires_on=D - dt.timedelta(days=1)
    )
    rule = {"var": "qualifications", "op": "in", "value": ["高新技术企业"], "clause": "第一条"}
    assert facts_for_enterprise(enterprise, decision_date=D)["qualifications"] == frozenset()
    assert count_matches(rule, decision_date=D) == (0, 0)
    assert count_matches(rule, decision_date=D - dt.timedelta(days=1)) == (1, 0)


@pytest.mark.django_db
def test_facts_read_by_compiled_sql_are_typed_as_the_orm_gives_them() -> None:
    """The 政策礼包 reads an enterprise's facts through SQL compiled once (`core.prepared`); what it reads is what
    the ORM gives: dates as dates, flags as booleans, money in yuan, names in force on the decision date."""
    from yingshang.enterprises.tests.factories import IndustryChainFactory, ParkFactory
    from yingshang.policies.engine import relation_rows
    from yingshang.policies.engine.records import EnterpriseLoan

    enterprise = EnterpriseFactory.create(park=ParkFactory.create(name="高新区"))
    enterprise.industry_chains.set([IndustryChainFactory.create(name="新能源电池")])
    other = EnterpriseFactory.create()
    qualification, _ = Qualification.objects.get_or_create(name="高新技术企业", defaults={"code": "high_tech"})
    EnterpriseQualification.objects.filter(enterprise=enterprise).delete()
    EnterpriseQualification.objects.create(enterprise=enterprise, qualification=qualification, expires_on=D)
    EnterpriseFact.objects.create(
        enterprise=enterprise, key="equipment_investment", value="1200.5", source="企业自报", as_of=D
    )
    EnterpriseFact.objects.create(
        enterprise=enterprise, key="robot_replacement_project", value=True, source="企业自报", as_of=D
    )
    EnterpriseLoan.objects.create(
        enterprise=enterprise, kind="ip_pledge", amount_fen=123_456, interest_fen=7_801, granted_on=D, first_loan=True
    )
    EnterpriseLoan.objects.create(enterprise=other, kind="ecommerce", amount_fen=1, granted_on=D)

    facts = facts_for_enterprise(enterprise, decision_date=D)
    assert facts["loans"] == [
        {
            "kind": "ip_pledge",
            "amount": Decimal("1234.56"),
            "interest": Decimal("78.01"),
            "granted_on": D,
            "pboc_relending": False,
            "first_loan": True,
        }
    ]
    assert type(facts["loans"][0]["granted_on"]) is dt.date and facts["loans"][0]["pboc_relending"] is False
    for key, relation in REGISTRY.relations.items():
        assert facts[key] == relation_rows(relation, [enterprise.pk])[enterprise.pk], key
    assert facts["equipment_investment"] == Decimal("1200.5")
    assert facts["robot_replacement_project"] is True
    assert facts["qualifications"] == frozenset({"高新技术企业"})  # in force through its last day
    assert facts["industry_chains"] == frozenset({"新能源电池"})
    assert enterprise.township is not None
    assert facts["park"] == "高新区" and facts["township"] == enterprise.township.name
    later = facts_for_enterprise(enterprise, decision_date=D + dt.timedelta(days=1))
    assert later["qualifications"] == frozenset()
    # Another enterprise's records and facts stay its own.
    assert facts_for_enterprise(other, decision_date=D)["loans"][0]["kind"] == "ecommerce"
    assert facts_for_enterprise(other, decision_date=D)["equipment_investment"] is None


def test_typed_facts_are_parsed() -> None:
    facts = facts_from_input(
        {
            "annual_revenue": "2,350.5",
            "is_dishonest_executee": "否",
            "scale": "规上",
            "qualifications": "高新技术企业、专精特新中小企业",
            "loans": [
                {
                    "kind": "ecommerce",
                    "amount": "2000000",
                    "interest": "70000",
                    "granted_on": "2026-02-01",
                    "pboc_relending": "否",
                    "first_loan": "否",
                }
            ],
        }
    )
    assert facts["annual_revenue"] == Decimal("2350.5")
    assert facts["is_dishonest_executee"] is False
    assert facts["scale"] == "above"
    assert facts["qualifications"] == frozenset({"高新技术企业", "专精特新中小企业"})
    assert facts["loans"][0]["amount"] == Decimal("2000000")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"annual_revenue": "很多"}, "「营业收入」应为数字,收到「很多」"),
        ({"employees": "10.5"}, "「从业人数」应为整数"),
        ({"annual_revenue": "-1"}, "「营业收入」不能为负数"),
        ({"is_dishonest_executee": "也许"}, "「法人纳入失信被执行人名单」应填“是”或“否”"),
        ({"registration_date": "2025/13/01"}, "「成立日期」应为日期,格式如 2025-05-16"),
        ({"scale": "巨型"}, "「企业规模」应为以下之一:规上、规下"),
        ({"salary": "1"}, "未知的企业信息项「salary」"),
        ({"loans": [{"kind": "ecommerce"}]}, "「贷款」第 1 条缺少「贷款金额」"),
        ({"loans": "none"}, "「贷款」应为记录列表"),
    ],
)
def test_typed_facts_are_checked_in_chinese(data: dict, message: str) -> None:
    with pytest.raises(ApplicationError) as err:
        facts_from_input(data)
    assert err.value.message == message
