"""The demo 政务服务: a realistic catalogue, three bundles and a history whose statistics say something."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from yingshang.demo import govservices, services
from yingshang.govservices.models import (
    AgencyRequest,
    Bundle,
    CaseState,
    CommitmentBreach,
    Rating,
    ServiceCase,
    ServiceItem,
)
from yingshang.govservices.selectors import bundle_totals
from yingshang.govservices.stats import service_stats

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(monkeypatch):
    monkeypatch.setattr(services, "MODULES", [])  # the district only; this module is loaded by the test
    services.demo_load(enterprise_count=60)


def test_the_demo_catalogue_history_and_statistics(district):
    summary = govservices.load()
    assert "政务服务" in summary

    assert ServiceItem.objects.count() >= 30
    cuts = [i.cut_percent for i in ServiceItem.objects.all()]
    assert sum(cuts) / len(cuts) >= 70, "committed limits far below the legal ones, as in the seeds"
    assert set(Bundle.objects.values_list("name", flat=True)) == {
        "开办餐饮店一件事",
        "新建项目开工一件事",
        "企业注销一件事",
    }
    _, totals = bundle_totals()
    assert totals.saved_steps > 0 and totals.saved_materials > 0 and totals.time_cut_percent > 40

    states = set(ServiceCase.objects.values_list("state", flat=True))
    assert {CaseState.ACCEPTED, CaseState.ISSUED, CaseState.COLLECTED} <= states
    assert ServiceCase.objects.filter(is_rongque=True).count() >= 10
    assert ServiceCase.objects.filter(bundle__isnull=False).exists()
    assert Rating.objects.exists() and AgencyRequest.objects.exists()
    assert CommitmentBreach.objects.exists()

    today = timezone.localdate()
    figures = service_stats(start=date(today.year - 1, 1, 1), end=today)
    total = figures.total
    assert total.accepted >= 100
    assert total.on_time_rate is not None and total.on_time_rate >= 90
    assert total.online_rate is not None and 40 <= total.online_rate <= 90
    assert total.rating_rate is not None and total.rating_rate >= 70
    assert total.satisfaction_rate is not None and total.satisfaction_rate >= 85
    assert figures.agency_services >= 30

    counts = (ServiceItem.objects.count(), ServiceCase.objects.count(), AgencyRequest.objects.count())
    govservices.load()
    assert (ServiceItem.objects.count(), ServiceCase.objects.count(), AgencyRequest.objects.count()) == counts
