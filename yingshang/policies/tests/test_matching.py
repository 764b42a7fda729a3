"""Matching runs after publishing: results per enterprise, inbox + SMS for new matches only, 免申即享 grants that
are never duplicated and keep the facts they were decided on, fund-pool allocation, disbursement and 公示."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from yingshang.accounts.roles import Role
from yingshang.core.errors import ApplicationError
from yingshang.core.models import Notification, OutboxMessage
from yingshang.enterprises.models import Enterprise
from yingshang.enterprises.tests.factories import EnterpriseFactory
from yingshang.policies.grants import grant_announce, grant_confirm, grant_disburse, grant_revoke
from yingshang.policies.matching import match_run_execute
from yingshang.policies.models import Grant, GrantStatus, MatchResult, MatchRun, PolicySubscription
from yingshang.policies.selectors import announcements, policy_stats
from yingshang.policies.services import match_run_create

from .factories import policy_published

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user):
    return make_user(Role.DEPARTMENT_STAFF)


@pytest.fixture
def big(make_user):
    enterprise = EnterpriseFactory.create(name="东宝大厂有限公司", employees=300, annual_revenue=1000)
    make_user(Role.ENTERPRISE, enterprise=enterprise, phone="13900000001")
    return enterprise


def test_publishing_matches_every_enterprise_and_tells_the_eligible_ones(staff, department_jingxin, big):
    small = EnterpriseFactory.create(employees=20)
    unknown = EnterpriseFactory.create(employees=None)
    _, version = policy_published(by=staff, department=department_jingxin)
    run = MatchRun.objects.get(version=version)
    assert run.status == "done" and run.processed == run.total
    verdicts = dict(MatchResult.objects.filter(version=version).values_list("enterprise_id", "verdict"))
    assert verdicts[big.pk] == "eligible" and verdicts[unknown.pk] == "unknown" and small.pk not in verdicts
    message = Notification.objects.get(recipient__enterprise=big)
    assert "稳岗扩产奖励" in message.title and message.link.endswith("/policies/package/")
    assert not OutboxMessage.objects.exists()  # SMS only for enterprises that subscribed


def test_a_rerun_notifies_only_new_matches_and_subscribers_also_get_an_sms(staff, department_jingxin, big, make_user):
    policy, _ = policy_published(by=staff, department=department_jingxin)
    newcomer = EnterpriseFactory.create(employees=150)
    user = make_user(Role.ENTERPRISE, enterprise=newcomer, phone="13900000002")
    PolicySubscription.objects.create(enterprise=newcomer, subscribed_by=user)
    run = match_run_create(policy=policy, by=staff)
    match_run_execute(run=run)
    run.refresh_from_db()
    assert run.new_matches == 1 and run.eligible_count == 2
    assert Notification.objects.filter(recipient__enterprise=big).count() == 1
    assert Notification.objects.filter(recipient=user).count() == 1
    assert OutboxMessage.objects.get().to == "13900000002"


def test_auto_grants_are_created_once_with_the_rule_hash_and_a_facts_snapshot(staff, department_jingxin, big):
    policy, version = policy_published(by=staff, department=department_jingxin, auto_grant=True)
    grant = Grant.objects.get(enterprise=big)
    assert grant.status == GrantStatus.MATCHED and grant.amount_fen == 10_000_000
    assert grant.rule_hash == version.rule_hash
    assert grant.facts_snapshot["employees"] == 300 and grant.facts_snapshot["annual_revenue"] == "1000.0000"
    assert grant.explanation["verdict"] == "eligible"
    match_run_execute(run=match_run_create(policy=policy, by=staff))
    assert Grant.objects.filter(policy=policy).count() == 1


def test_the_year_pool_is_shared_pro_rata_among_unconfirmed_grants(staff, department_jingxin, big):
    EnterpriseFactory.create(employees=300, annual_revenue=3000)  # claims 30万 → capped at 20万
    policy, _ = policy_published(by=staff, department=department_jingxin, auto_grant=True, pool_budget_fen=15_000_000)
    amounts = sorted(a or 0 for a in Grant.objects.filter(policy=policy).values_list("amount_fen", flat=True))
    assert sum(amounts) == 15_000_000  # 10万 + 20万 claimed, a pool of 15万 shared 1:2
    assert amounts == [5_000_000, 10_000_000]


def test_a_grant_goes_through_confirmation_disbursement_and_announcement(staff, department_jingxin, big):
    policy_published(by=staff, department=department_jingxin, auto_grant=True)
    grant = Grant.objects.get(enterprise=big)
    with pytest.raises(ApplicationError, match="只有已确认"):
        grant_disburse(grant=grant, by=staff, paid_on=timezone.localdate(), voucher="PZ-1")
    grant = grant_confirm(grant=grant, by=staff)
    grant_disburse(grant=grant, by=staff, paid_on=timezone.localdate(), voucher="PZ-1")
    grant.refresh_from_db()
    with pytest.raises(ApplicationError, match="已拨付"):
        grant_revoke(grant=grant, by=staff, reason="误判")
    grant_announce(grant=grant, by=staff)
    rows = announcements()
    assert [(r.enterprise, r.amount_fen) for r in rows] == [("东宝大厂有限公司", 10_000_000)]
    assert "********" in rows[0].uscc_masked and big.uscc not in rows[0].uscc_masked
    assert [e.to_status for e in grant.events.all()] == ["matched", "confirmed", "disbursed", "announced"]


def test_statistics_count_enterprises_once_and_quote_wan_yuan(staff, department_jingxin, big):
    policy, _ = policy_published(by=staff, department=department_jingxin, auto_grant=True)
    other = EnterpriseFactory.create(employees=500, annual_revenue=Decimal("1234.5678"))
    match_run_execute(run=match_run_create(policy=policy, by=staff))
    for grant in Grant.objects.filter(policy=policy):
        grant_confirm(grant=grant, by=staff)
        grant_disburse(
            grant=grant, by=staff, paid_on=timezone.localdate() - timedelta(days=1), voucher=f"PZ-{grant.pk}"
        )
    stats = policy_stats()
    assert stats.enterprises == 2
    paid_on = timezone.localdate() - timedelta(days=1)
    assert [(r.label, r.enterprises, r.amount_fen) for r in stats.by_month] == [
        (f"{paid_on:%Y-%m}", 2, 10_000_000 + 12_345_678)
    ]
    assert [r.enterprises for r in stats.by_policy] == [2] and other.annual_revenue == Decimal("1234.5678")
    assert stats.amount_fen == 10_000_000 + 12_345_678
    assert stats.headline == "兑现2家企业惠企政策资金22.35万元"
    assert stats.by_department[0].label == department_jingxin.name
    assert policy_stats(start=timezone.localdate()).amount_fen == 0


def test_past_payments_are_the_grants_relation_rules_can_read(staff, department_jingxin, big):
    from yingshang.policies import engine
    from yingshang.policies.outcomes import evaluate_content
    from yingshang.policies.services import PolicyInput

    policy_published(by=staff, department=department_jingxin, auto_grant=True)
    grant = grant_confirm(grant=Grant.objects.get(enterprise=big), by=staff)
    grant_disburse(grant=grant, by=staff, paid_on=timezone.localdate(), voucher="PZ-9")
    never_paid = EnterpriseFactory.create(employees=10)
    rule = {
        "not": {
            "agg": "exists",
            "of": "grants",
            "where": [{"var": "category", "op": "eq", "value": "subsidy"}],
            "window": {"years": 3},
            "clause": "第六条 不重复支持",
        }
    }
    today = timezone.localdate()
    assert engine.count_matches(rule, decision_date=today)[0] == Enterprise.objects.count() - 1
    content = PolicyInput(title="不重复支持", reviewing_department=department_jingxin, rule=rule)
    facts = engine.facts_for_enterprise(big, decision_date=today)
    assert facts["grants"][0]["amount"] == Decimal("100000")
    assert evaluate_content(content, facts, decision_date=today).verdict == "ineligible"  # type: ignore[arg-type]
    other_facts = engine.facts_for_enterprise(never_paid, decision_date=today)
    assert evaluate_content(content, other_facts, decision_date=today).verdict == "eligible"  # type: ignore[arg-type]


def test_the_statistics_export_is_an_audited_workbook(staff, department_jingxin, big, client_as):
    from io import BytesIO

    import openpyxl
    from django.urls import reverse

    from yingshang.core.models import AuditLog

    policy_published(by=staff, department=department_jingxin, auto_grant=True)
    grant = grant_confirm(grant=Grant.objects.get(enterprise=big), by=staff)
    grant_disburse(grant=grant, by=staff, paid_on=timezone.localdate(), voucher="PZ-3")
    response = client_as(staff).get(reverse("policies:stats_export"))
    workbook = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content)))
    cells = [c for row in workbook.worksheets[0].iter_rows(values_only=True) for c in row if c]
    assert "兑现1家企业惠企政策资金10.00万元" in cells and "稳岗扩产奖励" in cells
    assert AuditLog.objects.filter(action="export", user=staff).exists()
