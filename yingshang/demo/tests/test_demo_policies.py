"""The demo's seed policies give the amounts the seed text (000: 东宝区 press conference) implies, for enterprises
made by hand in the registry, evaluated from the database exactly as the 政策礼包 does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from yingshang.demo.policy_specs import OTHER_POLICIES
from yingshang.demo.services import demo_load
from yingshang.enterprises.models import Enterprise, EnterpriseFact, Scale
from yingshang.enterprises.tests.factories import EnterpriseFactory
from yingshang.policies import engine
from yingshang.policies.engine.records import EnterpriseLoan, EnterpriseViolation
from yingshang.policies.engine.seed_policies import SEED_POLICIES, TECH_RENEWAL
from yingshang.policies.models import MatchResult, Policy, PolicyStatus, PolicyVersion
from yingshang.policies.outcomes import evaluate_content
from yingshang.policies.tests.builder_forms import normal, round_trip

pytestmark = pytest.mark.django_db

TECH = "工业领域技术改造和设备更新专项资金"


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Any:
    from unittest import mock

    # Only this module's demo content: the other modules (appeals, assistant…) have their own tests and are slow.
    with django_db_blocker.unblock(), mock.patch("yingshang.demo.services.MODULES", ["policies"]):
        summary = demo_load(enterprise_count=20)
    yield summary
    with django_db_blocker.unblock():
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


def _version(title: str) -> PolicyVersion:
    policy = Policy.objects.select_related("current_version").get(title=title)
    assert policy.current_version is not None
    return policy.current_version


def _project(enterprise: Enterprise, **facts: Any) -> None:
    today = timezone.localdate()
    base = {
        "pays_tax_in_district": True,
        "independent_legal_person": True,
        "project_fits_industrial_policy": True,
        "construction_period_months": 24,
        "equipment_bought_in_period": True,
        "project_previously_funded": False,
        "robot_replacement_project": False,
    }
    for key, value in {**base, **facts}.items():
        EnterpriseFact.objects.update_or_create(
            enterprise=enterprise,
            key=key,
            year=None,
            defaults={"value": value, "source": "测试", "as_of": today},
        )


def _outcome(title: str, enterprise: Enterprise) -> Any:
    today = timezone.localdate()
    enterprise.refresh_from_db()
    facts = engine.facts_for_enterprise(enterprise, decision_date=today)
    return evaluate_content(_version(title), facts, decision_date=today)


def _maker(**kwargs: Any) -> Enterprise:
    defaults = {"industry_code": "3411", "scale": Scale.ABOVE, "is_dishonest_executee": False}
    return EnterpriseFactory.create(**{**defaults, **kwargs})


def test_every_seed_policy_is_published_with_passing_test_cases(demo):
    titles = [
        TECH,
        "创业担保贷款贴息",
        "知识产权质押融资贴息及评估费补贴",
        "设备更新贷款贴息",
        "新型农业经营主体贷款贴息",
        "电商企业贷款贴息",
        "“301首贷户”贷款贴息",
    ]
    for title in titles:
        policy = Policy.objects.get(title=title)
        assert policy.status == PolicyStatus.PUBLISHED
        assert policy.current_version is not None and policy.current_version.test_cases
    assert Policy.objects.filter(status=PolicyStatus.PUBLISHED).count() >= 12
    assert "惠企政策" in " ".join(demo.module_lines)


def test_equipment_subsidy_is_ten_percent_of_equipment_investment(demo):
    enterprise = _maker()
    _project(enterprise, equipment_investment="800")
    outcome = _outcome(TECH, enterprise)
    assert outcome.verdict == "eligible"
    assert outcome.amount_fen == 80_000_000  # 800万元 × 10% = 80万元


def test_equipment_subsidy_is_capped_at_four_million(demo):
    enterprise = _maker()
    _project(enterprise, equipment_investment="5000")
    assert _outcome(TECH, enterprise).amount_fen == 400_000_000


def test_battery_makers_get_twelve_percent(demo):
    enterprise = _maker(industry_code="3841")
    _project(enterprise, equipment_investment="2000")
    outcome = _outcome(TECH, enterprise)
    assert outcome.amount_fen == 240_000_000
    assert outcome.exception == "新能源动力储能电池行业企业"


def test_robot_replacement_projects_are_capped_at_five_million(demo):
    enterprise = _maker()
    _project(enterprise, equipment_investment="6000", robot_replacement_project=True)
    assert _outcome(TECH, enterprise).amount_fen == 500_000_000


def test_an_investment_below_five_million_is_a_near_miss_in_words(demo):
    enterprise = _maker()
    _project(enterprise, equipment_investment="480")
    outcome = _outcome(TECH, enterprise)
    assert outcome.verdict == "ineligible"
    assert any("20" in s and "万元" in s for s in outcome.near_misses), outcome.near_misses


def test_a_major_safety_accident_within_three_years_excludes(demo):
    enterprise = _maker()
    _project(enterprise, equipment_investment="800")
    EnterpriseViolation.objects.create(
        enterprise=enterprise, kind="safety", severity="major", occurred_on=timezone.localdate() - timedelta(days=400)
    )
    assert _outcome(TECH, enterprise).verdict == "ineligible"


def test_a_missing_project_fact_is_unknown_not_ineligible(demo):
    enterprise = _maker()
    _project(enterprise)  # no equipment investment
    outcome = _outcome(TECH, enterprise)
    assert outcome.verdict == "unknown"
    assert "生产性设备投资额(实际完成)" in outcome.missing


def _loan(enterprise: Enterprise, kind: str, yuan: int, **kwargs: Any) -> None:
    EnterpriseLoan.objects.create(
        enterprise=enterprise,
        kind=kind,
        amount_fen=yuan * 100,
        granted_on=timezone.localdate() - timedelta(days=60),
        **kwargs,
    )


def test_startup_guarantee_loans_get_half_the_interest(demo):
    enterprise = _maker(scale=Scale.BELOW)
    _loan(enterprise, "startup_guarantee", 2_000_000, interest_fen=8_000_000)
    assert _outcome("创业担保贷款贴息", enterprise).amount_fen == 4_000_000  # 8万元利息 × 50%


def test_ip_pledge_is_one_percent_plus_the_evaluation_fee_capped_at_200k(demo):
    small, large = _maker(), _maker()
    _loan(small, "ip_pledge", 5_000_000)
    _loan(large, "ip_pledge", 20_000_000)
    for enterprise in (small, large):
        _project(enterprise, ip_evaluation_fee="30000")
    assert _outcome("知识产权质押融资贴息及评估费补贴", small).amount_fen == 8_000_000
    assert _outcome("知识产权质押融资贴息及评估费补贴", large).amount_fen == 20_000_000


def test_equipment_renewal_loans_need_relending_and_get_one_and_a_half_percent(demo):
    enterprise = _maker()
    _project(enterprise, in_equipment_renewal_list=True)
    _loan(enterprise, "equipment_renewal", 10_000_000, pboc_relending=True)
    assert _outcome("设备更新贷款贴息", enterprise).amount_fen == 15_000_000


def test_agricultural_cooperatives_get_one_percent(demo):
    enterprise = _maker()
    _project(enterprise, agri_entity_type="cooperative")
    _loan(enterprise, "agriculture", 1_000_000)
    assert _outcome("新型农业经营主体贷款贴息", enterprise).amount_fen == 1_000_000


def test_ecommerce_subsidy_is_half_the_lpr_mean_capped_at_50k(demo):
    enterprise = _maker()
    _project(enterprise, online_sales="600")
    _loan(enterprise, "ecommerce", 2_000_000)
    assert _outcome("电商企业贷款贴息", enterprise).amount_fen == 3_337_500
    _loan(enterprise, "ecommerce", 2_000_000)
    assert _outcome("电商企业贷款贴息", enterprise).amount_fen == 5_000_000


def test_first_loan_301_is_two_percent(demo):
    enterprise = _maker()
    _loan(enterprise, "first_loan_301", 500_000, first_loan=True)
    assert _outcome("“301首贷户”贷款贴息", enterprise).amount_fen == 1_000_000


def test_loading_policies_again_changes_nothing(demo):
    from yingshang.demo import policies

    versions = PolicyVersion.objects.count()
    results = MatchResult.objects.count()
    policies.load()
    assert PolicyVersion.objects.count() == versions
    assert MatchResult.objects.count() == results


@pytest.mark.parametrize("spec", [*SEED_POLICIES, *OTHER_POLICIES], ids=lambda s: s["title"])
def test_every_demo_rule_can_be_edited_in_the_builder_without_loss(spec):
    rule, formula, problems = round_trip(spec["rule"], spec["formula"])
    assert problems == []
    assert normal(rule) == normal(spec["rule"])
    assert normal(formula) == normal(spec["formula"])


def test_the_demo_pages_render_for_their_users(demo):
    from django.test import Client

    from conftest import login
    from yingshang.accounts.models import User

    staff = login(Client(), User.objects.get(username="jingxin"))
    tech = Policy.objects.get(title=TECH)
    edit = staff.get(f"/policies/library/{tech.pk}/edit/").content.decode()
    assert 'value="equipment_investment" selected' in edit and "新能源动力储能电池行业企业" in edit
    version = staff.get(f"/policies/library/{tech.pk}/versions/1/").content.decode()
    assert "生产性设备投资额(实际完成) ≥ 500" in version
    cases = staff.get(f"/policies/library/{tech.pk}/cases/").content.decode()
    assert cases.count('data-testid="case-pass"') == len(TECH_RENEWAL["cases"])
    enterprise = login(Client(), User.objects.get(username="qiye"))
    package = enterprise.get("/policies/package/").content.decode()
    assert "工业领域技术改造和设备更新专项资金" in package and "1,260,000.00 元" in package
    assert "知识产权质押融资贴息及评估费补贴" in package
    calculator = Client().post("/policies/calculator/", {"v-equipment_investment": "800"}).content.decode()
    assert "需补充" in calculator
