"""Statistics and the 红黄榜 against figures computed by hand (see docs/statistics.md for the definitions)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from freezegun import freeze_time

from yingshang.accounts.tests.factories import DepartmentFactory
from yingshang.appeals.models import Rating, Resolution
from yingshang.appeals.services import (
    appeal_dispatch,
    appeal_exclude,
    appeal_follow_up,
    appeal_reply,
    appeal_return,
    appeal_review,
    appeal_sign,
)
from yingshang.appeals.statistics import department_statistics, ranking, ranking_publish
from yingshang.appeals.tests.factories import AppealCategoryFactory, file_appeal, office_user, staff_of
from yingshang.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def _at(day: str):
    return freeze_time(f"{day} 02:00:00")  # 10:00 local time


@pytest.fixture
def november(enterprise_battery_maker):
    a, b = DepartmentFactory.create(name="甲局"), DepartmentFactory.create(name="乙局")
    sa, sb, office = staff_of(a), staff_of(b), office_user()
    category = AppealCategoryFactory.create(sign_limit_days=1, limit_normal_days=5)

    def new():
        return file_appeal(enterprise=enterprise_battery_maker, category=category)

    with _at("2026-11-02"):
        a1, a2, a3, a4 = new(), new(), new(), new()
        for appeal in (a1, a2, a3):
            appeal_dispatch(appeal=appeal, lead=a, by=office)
        appeal_dispatch(appeal=a4, lead=b, by=office)
        appeal_return(appeal=a3, by=sa, reason="不属本局职责")
    with _at("2026-11-03"):
        appeal_sign(appeal=a1, by=sa)  # on time
        appeal_dispatch(appeal=a3, lead=b, by=office)
        appeal_sign(appeal=a3, by=sb)  # on time
        appeal_sign(appeal=a4, by=sb)
        appeal_reply(appeal=a1, by=sa, content="已解决")
        appeal_review(appeal=a1, by=office, approve=True)
    with _at("2026-11-04"):
        appeal_follow_up(appeal=a1, by=office, resolution=Resolution.SOLVED, rating=Rating.VERY_SATISFIED)
        appeal_reply(appeal=a3, by=sb, content="已答复")
        appeal_review(appeal=a3, by=office, approve=True)
        appeal_follow_up(appeal=a3, by=office, resolution=Resolution.UNSOLVED, rating=Rating.DISSATISFIED)
        appeal_exclude(appeal=a4, by=office, reason="企业诉求超出法定职责范围")
    with _at("2026-11-05"):
        appeal_sign(appeal=a2, by=sa)  # late: the limit was 11-03
    with _at("2026-11-10"):
        appeal_reply(appeal=a2, by=sa, content="部分解决")  # late: the deadline was 11-09
        appeal_review(appeal=a2, by=office, approve=True)
        appeal_follow_up(appeal=a2, by=office, resolution=Resolution.PARTLY, rating=Rating.BASICALLY)
    return {"a": a, "b": b, "office": office}


def test_department_rates_match_the_hand_computed_figures(november):
    rows = {r.department: r for r in department_statistics(start=date(2026, 11, 1), end=date(2026, 11, 30))}
    a, b = rows["甲局"], rows["乙局"]
    # 甲局: 3 lead assignments (a1 on time, a2 late, a3 returned); a1 solved/非常满意, a2 partly/基本满意 and late.
    assert (a.dispatched, a.signed_on_time, a.returned) == (3, 1, 1)
    assert a.rates["response"] == Decimal("33.3")
    assert a.rates["return"] == Decimal("33.3")
    assert a.rates["solve"] == Decimal("50.0")
    assert a.rates["satisfaction"] == Decimal("100.0")
    assert a.rates["on_time"] == Decimal("50.0")
    assert a.rates["reopen"] == Decimal("0.0")
    assert a.avg_days_to_close == Decimal("4.0")  # (2 + 6) / 2 working days
    # 乙局: a3 signed on time, unsolved and 不满意 → reopened; a4 核减 does not count at all.
    assert (b.dispatched, b.signed_on_time) == (1, 1)
    assert b.rates["response"] == Decimal("100.0")
    assert b.rates["solve"] == Decimal("0.0")
    assert b.rates["satisfaction"] == Decimal("0.0")
    assert b.rates["on_time"] is None, "没有办结的诉求时不应显示 0%"
    assert b.rates["reopen"] == Decimal("100.0")


def test_the_ranking_uses_the_default_weights_and_bands(november):
    rows = ranking(start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert [(r.department, r.score, r.band) for r in rows] == [
        ("甲局", Decimal("62.49"), "red"),  # 0.30 × 33.3 + 0.35 × 50 + 0.35 × 100
        ("乙局", Decimal("30.00"), "yellow"),  # 0.30 × 100 + 0 + 0
    ]
    reweighted = ranking(
        start=date(2026, 11, 1), end=date(2026, 11, 30), weights={"response": 100, "solve": 0, "satisfaction": 0}
    )
    assert reweighted[0].department == "乙局"
    with pytest.raises(ApplicationError, match="合计为 100"):
        ranking(
            start=date(2026, 11, 1), end=date(2026, 11, 30), weights={"response": 50, "solve": 50, "satisfaction": 50}
        )


def test_a_month_is_published_once(november):
    with _at("2026-12-01"):
        publication = ranking_publish(month=date(2026, 11, 1), by=november["office"])
        assert publication.rows[0]["department"] == "甲局"
        with pytest.raises(ApplicationError, match="已发布"):
            ranking_publish(month=date(2026, 11, 1), by=november["office"])
