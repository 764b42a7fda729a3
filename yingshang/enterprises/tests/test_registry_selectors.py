"""Registry reads: search by name, USCC prefix or pinyin initials; each filter; who sees what."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from yingshang.accounts.roles import Role
from yingshang.enterprises.models import EnterpriseQualification, FourUpCategory, Scale
from yingshang.enterprises.selectors import (
    EnterpriseFilters,
    ensure_can_browse_registry,
    enterprise_count,
    enterprise_get_for,
    enterprise_list,
    enterprise_page,
    enterprise_visible_to,
)
from yingshang.enterprises.tests.factories import (
    EnterpriseFactory,
    IndustryChainFactory,
    ParkFactory,
    QualificationFactory,
    TownshipFactory,
)

BATTERY = "荆门新能源电池有限公司"  # always there: the `make_user` fixture binds enterprise users to it


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.COORDINATOR)


def names(qs) -> set[str]:
    return set(qs.values_list("name", flat=True))


# -- search ---------------------------------------------------------------------------------------------------


def test_search_matches_part_of_the_name(coordinator, enterprise_battery_maker, enterprise_other):
    assert names(enterprise_list(user=coordinator, q="电池")) == {"荆门新能源电池有限公司"}


def test_search_matches_a_uscc_prefix_in_any_case(coordinator, enterprise_battery_maker, enterprise_other):
    prefix = enterprise_battery_maker.uscc[:12].lower()
    assert enterprise_battery_maker in enterprise_list(user=coordinator, q=prefix)
    assert enterprise_other not in enterprise_list(user=coordinator, q=enterprise_battery_maker.uscc)


def test_search_matches_pinyin_initials(coordinator, enterprise_battery_maker, enterprise_other):
    assert names(enterprise_list(user=coordinator, q="JMXNY")) == {"荆门新能源电池有限公司"}
    assert names(enterprise_list(user=coordinator, q="dbsp")) == {"东宝食品有限公司"}


def test_initials_match_only_from_the_start(coordinator, enterprise_battery_maker):
    assert not enterprise_list(user=coordinator, q="XNY").exists()


def test_a_blank_search_returns_everything_newest_first(coordinator, enterprise_battery_maker, enterprise_other):
    assert list(enterprise_list(user=coordinator, q="  ")) == [enterprise_other, enterprise_battery_maker]


# -- filters --------------------------------------------------------------------------------------------------


def test_filter_by_township(coordinator):
    zilingpu = TownshipFactory.create(name="子陵铺镇")
    EnterpriseFactory.create(name="甲", township=zilingpu)
    EnterpriseFactory.create(name="乙", township=TownshipFactory.create(name="牌楼镇"))
    assert names(enterprise_list(user=coordinator, township=zilingpu.pk)) == {"甲"}
    assert names(enterprise_list(user=coordinator, township=zilingpu)) == {"甲"}


def test_filter_by_park(coordinator):
    park = ParkFactory.create(name="荆门高新区")
    EnterpriseFactory.create(name="甲", park=park)
    EnterpriseFactory.create(name="乙")
    assert names(enterprise_list(user=coordinator, park=park.pk)) == {"甲"}


def test_filter_by_industry_chain(coordinator):
    battery = IndustryChainFactory.create(name="新能源")
    food = IndustryChainFactory.create(name="食品")
    a = EnterpriseFactory.create(name="甲")
    a.industry_chains.set([battery, food])
    EnterpriseFactory.create(name="乙").industry_chains.set([food])
    assert list(enterprise_list(user=coordinator, chain=battery.pk)) == [a]
    assert names(enterprise_list(user=coordinator, chain=food.pk)) == {"甲", "乙"}


def test_filter_by_qualification(coordinator):
    high_tech = QualificationFactory.create(code="high_tech", name="高新技术企业")
    a = EnterpriseFactory.create(name="甲")
    EnterpriseQualification.objects.create(enterprise=a, qualification=high_tech)
    EnterpriseFactory.create(name="乙")
    assert list(enterprise_list(user=coordinator, qualification=high_tech.pk)) == [a]


def test_filter_by_scale(coordinator):
    EnterpriseFactory.create(name="甲", scale=Scale.ABOVE)
    EnterpriseFactory.create(name="乙", scale=Scale.BELOW)
    assert names(enterprise_list(user=coordinator, scale=Scale.ABOVE)) == {"甲"}


def test_filter_by_four_up_category(coordinator):
    EnterpriseFactory.create(name="工业", four_up_category=FourUpCategory.INDUSTRY)
    EnterpriseFactory.create(name="商贸", four_up_category=FourUpCategory.TRADE)
    EnterpriseFactory.create(name="小店", four_up_category=FourUpCategory.NONE)
    assert names(enterprise_list(user=coordinator, four_up_category="industry")) == {"工业"}
    assert names(enterprise_list(user=coordinator, four_up_category="any")) == {"工业", "商贸"}
    assert names(enterprise_list(user=coordinator, four_up_category="none")) == {"小店", BATTERY}


def test_filter_by_credit_flags(coordinator):
    EnterpriseFactory.create(name="失信", is_dishonest_executee=True)
    EnterpriseFactory.create(name="异常", is_abnormal_operation=True)
    EnterpriseFactory.create(name="正常")
    assert names(enterprise_list(user=coordinator, credit="dishonest")) == {"失信"}
    assert names(enterprise_list(user=coordinator, credit="abnormal")) == {"异常"}
    assert names(enterprise_list(user=coordinator, credit="flagged")) == {"失信", "异常"}
    assert names(enterprise_list(user=coordinator, credit="clean")) == {"正常", BATTERY}


def test_filter_by_industry_code_prefix(coordinator):
    EnterpriseFactory.create(name="电池", industry_code="C3841")
    EnterpriseFactory.create(name="食品", industry_code="C1391")
    assert names(enterprise_list(user=coordinator, industry_code="c38")) == {"电池"}


def test_filters_combine(coordinator):
    town = TownshipFactory.create(name="子陵铺镇")
    EnterpriseFactory.create(name="子陵电池厂", township=town, scale=Scale.ABOVE)
    EnterpriseFactory.create(name="子陵小厂", township=town, scale=Scale.BELOW)
    EnterpriseFactory.create(name="外镇电池厂", scale=Scale.ABOVE)
    assert names(enterprise_list(user=coordinator, q="电池", township=town.pk, scale="above")) == {"子陵电池厂"}


# -- visibility -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.DEPARTMENT_STAFF, Role.LIAISON, Role.COORDINATOR, Role.LEADER])
def test_business_staff_see_every_enterprise(make_user, role, enterprise_battery_maker, enterprise_other):
    assert enterprise_visible_to(make_user(role)).count() == 2


def test_an_enterprise_user_sees_only_their_own(make_user, enterprise_battery_maker, enterprise_other):
    user = make_user(Role.ENTERPRISE)
    assert list(enterprise_visible_to(user)) == [enterprise_battery_maker]
    assert list(enterprise_list(user=user, q="东宝")) == []
    assert enterprise_get_for(user, enterprise_battery_maker.pk) == enterprise_battery_maker


def test_another_enterprises_record_is_not_found_for_an_enterprise_user(make_user, enterprise_other):
    with pytest.raises(Http404):
        enterprise_get_for(make_user(Role.ENTERPRISE), enterprise_other.pk)


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR])
def test_administrator_roles_see_nothing_and_are_refused(make_user, role, enterprise_battery_maker):
    user = make_user(role)
    assert not enterprise_visible_to(user).exists()
    with pytest.raises(PermissionDenied):
        ensure_can_browse_registry(user)


def test_an_inactive_user_sees_nothing(make_user, enterprise_battery_maker):
    assert not enterprise_visible_to(make_user(Role.COORDINATOR, is_active=False)).exists()


# -- paging ---------------------------------------------------------------------------------------------------


def test_pages_are_newest_first_with_an_exact_count_on_sqlite(coordinator):
    created = [EnterpriseFactory.create(name=f"企业{i}") for i in range(5)]
    result = enterprise_page(user=coordinator, filters=EnterpriseFilters(), page=2, per_page=2)
    assert result.count == 6  # with the battery maker
    assert not result.count_is_estimate
    assert list(result.page.object_list) == [created[2], created[1]]


def test_a_page_past_the_end_shows_the_last_page(coordinator):
    EnterpriseFactory.create_batch(3)
    result = enterprise_page(user=coordinator, filters=EnterpriseFilters(), page=99, per_page=3)
    assert result.page.number == 2


def test_filtered_counts_are_always_exact(coordinator, monkeypatch):
    from yingshang.enterprises import selectors

    monkeypatch.setattr(selectors, "_table_row_estimate", lambda: 1_000_000)
    EnterpriseFactory.create(name="东宝电池厂")
    qs = enterprise_list(user=coordinator, q="东宝")
    assert enterprise_count(user=coordinator, filters=EnterpriseFilters(q="东宝"), queryset=qs) == (1, False)
    unfiltered = enterprise_list(user=coordinator)
    assert enterprise_count(user=coordinator, filters=EnterpriseFilters(), queryset=unfiltered) == (1_000_000, True)
