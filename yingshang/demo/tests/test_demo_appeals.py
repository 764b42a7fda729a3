"""The demo 企业诉求: every state and colour present, statistics and a 红黄榜 that say something, loaded once."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from yingshang.accounts.models import User
from yingshang.appeals.models import Appeal, AppealCategory, AppealState, Meeting
from yingshang.appeals.selectors import LedgerFilters, appeal_ledger, colour_counts
from yingshang.appeals.statistics import department_statistics, ranking
from yingshang.demo import appeals, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(monkeypatch):
    monkeypatch.setattr(services, "MODULES", [])  # the district only; this module is loaded by the test
    services.demo_load(enterprise_count=40)


def test_the_demo_appeals_fill_the_ledger_statistics_and_ranking(district):
    summary = appeals.load()
    assert "企业诉求" in summary
    assert AppealCategory.objects.filter(parent__isnull=True).count() == 9
    assert Appeal.objects.count() >= 100
    assert Meeting.objects.count() == 3
    states = set(Appeal.objects.values_list("state", flat=True))
    assert {AppealState.CLOSED, AppealState.HANDLING, AppealState.SUBMITTED, AppealState.SUSPENDED} <= states
    office = User.objects.get(username="yingshangban")
    counts = colour_counts(appeal_ledger(user=office, filters=LedgerFilters()))
    assert counts["red"] > 0 and counts["yellow"] > 0 and counts["green"] > 0
    today = timezone.localdate()
    rows = department_statistics(start=date(today.year - 1, 1, 1), end=today)
    assert len(rows) >= 5
    assert any(r.rates["satisfaction"] is not None for r in rows)
    assert len(ranking(start=date(today.year - 1, 1, 1), end=today)) >= 3
    assert Appeal.objects.filter(excluded=True).exists()

    again = appeals.load()
    assert "未重复生成" in again
