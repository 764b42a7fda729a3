"""Registry pages: the htmx list, the profile (企业画像), create/edit with optimistic locking, phone reveal."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from yingshang.accounts.roles import Role
from yingshang.core.audit import Action
from yingshang.core.models import AuditLog
from yingshang.enterprises.models import Enterprise, EnterpriseFact, EnterpriseQualification, Scale
from yingshang.enterprises.services import EnterpriseInput, enterprise_save
from yingshang.enterprises.tests.factories import (
    EnterpriseFactory,
    IndustryChainFactory,
    QualificationFactory,
    TownshipFactory,
)

LIST = reverse("enterprises:list")
FULL_PHONE = "13912345678"
MASKED_PHONE = "139****5678"
HTMX = {"HX-Request": "true", "HX-Target": "enterprise-results"}


def detail_url(enterprise: Enterprise) -> str:
    return reverse("enterprises:detail", args=[enterprise.pk])


def rows(response) -> int:
    return response.content.decode().count('data-testid="enterprise-row"')


# -- list -----------------------------------------------------------------------------------------------------


def test_the_list_shows_enterprises_with_masked_phones(client_as, enterprise_battery_maker, enterprise_other):
    response = client_as(Role.DEPARTMENT_STAFF).get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert rows(response) == 2
    assert 'data-testid="result-count" data-count="2"' in html
    assert MASKED_PHONE in html
    assert FULL_PHONE not in html


def test_the_list_searches_by_pinyin_initials(client_as, enterprise_battery_maker, enterprise_other):
    response = client_as(Role.COORDINATOR).get(LIST, {"q": "DBSP"})
    assert rows(response) == 1
    assert "东宝食品有限公司" in response.content.decode()


def test_an_htmx_filter_request_returns_only_the_results(client_as, enterprise_battery_maker):
    response = client_as(Role.COORDINATOR).get(LIST, {"scale": Scale.ABOVE}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'data-testid="result-count" data-count="0"' in html
    assert "没有符合条件的企业" in html
    assert "HX-Request" in response["Vary"]


def test_an_htmx_swap_pushes_a_tidy_address(client_as, enterprise_battery_maker):
    params = {"q": "电池", "township": "", "scale": "", "page_size": "50"}
    response = client_as(Role.COORDINATOR).get(LIST, params, headers=HTMX)
    assert response["HX-Push-Url"] == f"{LIST}?q=%E7%94%B5%E6%B1%A0"


def test_a_history_restore_gets_the_whole_page(client_as, enterprise_battery_maker):
    headers = {**HTMX, "HX-History-Restore-Request": "true"}
    response = client_as(Role.COORDINATOR).get(LIST, headers=headers)
    assert "<html" in response.content.decode()


def test_paging_keeps_the_filters(client_as):
    town = TownshipFactory.create(name="子陵铺镇")
    EnterpriseFactory.create_batch(25, township=town)
    response = client_as(Role.COORDINATOR).get(LIST, {"township": town.pk, "page_size": 20})
    html = response.content.decode()
    assert rows(response) == 20
    assert f"?township={town.pk}&amp;page_size=20&amp;page=2" in html
    second = client_as(Role.COORDINATOR).get(LIST, {"township": town.pk, "page_size": 20, "page": 2})
    assert rows(second) == 5


def test_a_stale_filter_value_is_ignored_rather_than_failing(client_as, enterprise_battery_maker):
    response = client_as(Role.COORDINATOR).get(LIST, {"township": "999999", "scale": "huge"})
    assert response.status_code == 200
    assert rows(response) == 1


def test_an_enterprise_user_sees_only_their_own_enterprise_in_the_list(
    client_as, enterprise_battery_maker, enterprise_other
):
    response = client_as(Role.ENTERPRISE).get(LIST)
    assert rows(response) == 1
    assert "荆门新能源电池有限公司" in response.content.decode()
    assert "东宝食品有限公司" not in response.content.decode()


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN])
def test_administrator_roles_are_refused_the_registry(client_as, role, enterprise_battery_maker):
    client = client_as(role)
    assert client.get(LIST).status_code == 403
    assert client.get(detail_url(enterprise_battery_maker)).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, enterprise_battery_maker):
    response = client.get(LIST)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# -- profile --------------------------------------------------------------------------------------------------


@pytest.fixture
def profiled(enterprise_battery_maker, make_user):
    """The battery maker with a chain, a qualification, two years of revenue and two timeline entries."""
    coordinator = make_user(Role.COORDINATOR, full_name="王协调")
    chain = IndustryChainFactory.create(name="新能源")
    high_tech = QualificationFactory.create(code="high_tech", name="高新技术企业")
    enterprise_save(
        data=EnterpriseInput(
            uscc=enterprise_battery_maker.uscc,
            annual_revenue=Decimal("8800.5"),
            fact_year=2024,
            industry_chains=[chain],
            qualifications=[high_tech],
            is_dishonest_executee=True,
        ),
        source="区统计局",
        as_of=date(2025, 3, 1),
        by=coordinator,
    )
    enterprise_save(
        data=EnterpriseInput(uscc=enterprise_battery_maker.uscc, annual_revenue=Decimal("9900"), fact_year=2025),
        source="区税务局",
        as_of=date(2026, 3, 1),
        by=coordinator,
    )
    EnterpriseQualification.objects.filter(enterprise=enterprise_battery_maker).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    return enterprise_battery_maker


def test_the_profile_shows_facts_with_source_and_date(client_as, profiled):
    html = client_as(Role.LIAISON).get(detail_url(profiled)).content.decode()
    assert html.count('data-testid="fact-row"') == 2  # revenue for 2024 and 2025
    assert "区统计局" in html
    assert "区税务局" in html
    assert "8800.5 万元" in html
    assert "2025-03-01" in html


def test_the_profile_shows_chains_qualifications_and_expiry(client_as, profiled):
    html = client_as(Role.LIAISON).get(detail_url(profiled)).content.decode()
    assert "新能源" in html
    assert "高新技术企业" in html
    assert 'data-testid="qualification-expired"' in html


def test_the_profile_highlights_credit_flags(client_as, profiled):
    html = client_as(Role.LIAISON).get(detail_url(profiled)).content.decode()
    assert 'data-testid="credit-alert"' in html
    assert "失信被执行人" in html


def test_the_timeline_is_newest_first(client_as, profiled):
    html = client_as(Role.LIAISON).get(detail_url(profiled)).content.decode()
    assert html.count('data-testid="timeline-entry"') == 2
    assert html.index("来源:区税务局") < html.index("来源:区统计局")
    assert "王协调" in html


def test_the_profile_masks_the_phone_and_offers_no_reveal_without_permission(client_as, enterprise_battery_maker):
    html = client_as(Role.LIAISON).get(detail_url(enterprise_battery_maker)).content.decode()
    assert MASKED_PHONE in html
    assert FULL_PHONE not in html
    assert 'data-testid="reveal-phone"' not in html


def test_a_user_allowed_to_unmask_gets_the_reveal_button(client_as, enterprise_battery_maker):
    client = client_as(Role.LIAISON, can_unmask_personal_data=True)
    html = client.get(detail_url(enterprise_battery_maker)).content.decode()
    assert 'data-testid="reveal-phone"' in html
    assert FULL_PHONE not in html


def test_phone_changes_in_the_timeline_are_masked(client_as, enterprise_battery_maker):
    enterprise_save(
        data=EnterpriseInput(uscc=enterprise_battery_maker.uscc, contact_phone="13700001111"),
        source="营商办手工录入",
        as_of=date(2026, 1, 5),
    )
    html = client_as(Role.LIAISON).get(detail_url(enterprise_battery_maker)).content.decode()
    assert "13700001111" not in html
    assert "137****1111" in html


def test_an_enterprise_user_gets_404_for_another_enterprise(client_as, enterprise_other):
    assert client_as(Role.ENTERPRISE).get(detail_url(enterprise_other)).status_code == 404


def test_my_enterprise_shows_the_enterprise_users_own_profile(client_as, enterprise_battery_maker):
    response = client_as(Role.ENTERPRISE).get(reverse("enterprises:mine"))
    assert response.status_code == 200
    assert 'data-testid="enterprise-name">荆门新能源电池有限公司' in response.content.decode()


def test_my_enterprise_sends_staff_to_the_registry(client_as):
    response = client_as(Role.COORDINATOR).get(reverse("enterprises:mine"))
    assert response.status_code == 302
    assert response["Location"] == LIST


def test_my_enterprise_is_refused_to_administrators(client_as):
    assert client_as(Role.AUDITOR).get(reverse("enterprises:mine")).status_code == 403


# -- phone reveal ---------------------------------------------------------------------------------------------


def reveal_url(enterprise: Enterprise) -> str:
    return reverse("enterprises:phone_reveal", args=[enterprise.pk])


def test_revealing_the_phone_returns_it_and_is_audited(client_as, enterprise_battery_maker):
    client = client_as(Role.LIAISON, can_unmask_personal_data=True)
    response = client.post(reveal_url(enterprise_battery_maker), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert FULL_PHONE in response.content.decode()
    row = AuditLog.objects.get(action=Action.PERSONAL_DATA_VIEWED)
    assert row.user == client.user
    assert row.object_id == str(enterprise_battery_maker.pk)
    assert row.detail["field"] == "contact_phone"


def test_revealing_without_permission_is_refused_and_not_audited(client_as, enterprise_battery_maker):
    response = client_as(Role.LIAISON).post(reveal_url(enterprise_battery_maker), headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert FULL_PHONE not in response.content.decode()
    assert not AuditLog.objects.filter(action=Action.PERSONAL_DATA_VIEWED).exists()


def test_revealing_needs_a_post(client_as, enterprise_battery_maker):
    client = client_as(Role.LIAISON, can_unmask_personal_data=True)
    assert client.get(reveal_url(enterprise_battery_maker)).status_code == 405


def test_an_enterprise_user_cannot_reveal_another_enterprises_phone(client_as, enterprise_other):
    client = client_as(Role.ENTERPRISE, can_unmask_personal_data=True)
    assert client.post(reveal_url(enterprise_other)).status_code == 404


# -- create ---------------------------------------------------------------------------------------------------

CREATE = reverse("enterprises:create")
NEW_USCC = "91420802MA4F0ABC1"


@pytest.fixture
def new_uscc() -> str:
    from stdnum.cn import uscc as stdnum_uscc

    return NEW_USCC + stdnum_uscc.calc_check_digit(NEW_USCC)


def form_data(**overrides):
    today = timezone.localdate()
    data = {
        "name": "荆门储能科技有限公司",
        "legal_representative": "赵六",
        "scale": Scale.ABOVE,
        "four_up_category": "industry",
        "fact_year": str(today.year - 1),
        "employees": "80",
        "annual_revenue": "3500.25",
        "contact_person": "钱七",
        "contact_phone": "13800001234",
        "source": "营商办手工录入",
        "as_of": today.isoformat(),
    }
    data.update(overrides)
    return data


def test_the_create_form_defaults_source_and_date(client_as):
    html = client_as(Role.COORDINATOR).get(CREATE).content.decode()
    assert 'value="营商办手工录入"' in html
    assert f'value="{timezone.localdate().isoformat()}"' in html


def test_creating_an_enterprise_records_facts_and_redirects_to_its_profile(client_as, new_uscc):
    response = client_as(Role.COORDINATOR).post(CREATE, form_data(uscc=new_uscc.lower()))
    enterprise = Enterprise.objects.get(uscc=new_uscc)
    assert response.status_code == 302
    assert response["Location"] == detail_url(enterprise)
    assert enterprise.name == "荆门储能科技有限公司"
    assert enterprise.annual_revenue == Decimal("3500.25")
    fact = EnterpriseFact.objects.get(enterprise=enterprise, key="annual_revenue")
    assert (fact.year, fact.source, fact.as_of) == (
        timezone.localdate().year - 1,
        "营商办手工录入",
        timezone.localdate(),
    )


def test_a_duplicate_uscc_links_to_the_existing_enterprise(client_as, enterprise_other):
    response = client_as(Role.COORDINATOR).post(CREATE, form_data(uscc=enterprise_other.uscc))
    html = response.content.decode()
    assert response.status_code == 200
    assert "该统一社会信用代码已存在:" in html
    assert f'<a href="{detail_url(enterprise_other)}">东宝食品有限公司</a>' in html
    assert Enterprise.objects.filter(uscc=enterprise_other.uscc).count() == 1


def test_an_invalid_uscc_is_explained_in_chinese(client_as):
    response = client_as(Role.COORDINATOR).post(CREATE, form_data(uscc="01110000600037341L"))
    assert "统一社会信用代码第1位(登记管理部门代码)不能为0" in response.content.decode()
    assert not Enterprise.objects.filter(name="荆门储能科技有限公司").exists()


def test_required_fields_are_asked_for_in_chinese(client_as):
    response = client_as(Role.COORDINATOR).post(CREATE, {"uscc": ""})
    html = response.content.decode()
    assert "这个字段是必填项" in html


@pytest.mark.parametrize("role", [Role.LEADER, Role.DEPARTMENT_STAFF, Role.ENTERPRISE, Role.SYSTEM_ADMIN])
def test_only_editors_may_create(client_as, role):
    assert client_as(role).get(CREATE).status_code == 403


# -- edit -----------------------------------------------------------------------------------------------------


def edit_url(enterprise: Enterprise) -> str:
    return reverse("enterprises:edit", args=[enterprise.pk])


def edit_data(enterprise: Enterprise, **overrides):
    data = {
        "name": enterprise.name,
        "legal_representative": enterprise.legal_representative,
        "township": enterprise.township_id or "",
        "scale": enterprise.scale,
        "four_up_category": enterprise.four_up_category,
        "fact_year": str(timezone.localdate().year - 1),
        "employees": str(enterprise.employees),
        "annual_revenue": str(enterprise.annual_revenue),
        "contact_person": enterprise.contact_person,
        "contact_phone": enterprise.contact_phone,
        "source": "营商办手工录入",
        "as_of": timezone.localdate().isoformat(),
        "version": str(enterprise.version),
    }
    data.update(overrides)
    return data


def test_editing_saves_only_what_changed(client_as, enterprise_battery_maker):
    response = client_as(Role.COORDINATOR).post(
        edit_url(enterprise_battery_maker), edit_data(enterprise_battery_maker, legal_representative="孙八")
    )
    assert response.status_code == 302
    enterprise_battery_maker.refresh_from_db()
    assert enterprise_battery_maker.legal_representative == "孙八"
    assert enterprise_battery_maker.version == 2
    # The untouched yearly figures were not re-recorded under this year.
    assert not EnterpriseFact.objects.filter(enterprise=enterprise_battery_maker, key="annual_revenue").exists()


def test_the_edit_form_does_not_show_the_full_phone(client_as, enterprise_battery_maker):
    html = client_as(Role.COORDINATOR).get(edit_url(enterprise_battery_maker)).content.decode()
    assert FULL_PHONE not in html
    assert f'placeholder="{MASKED_PHONE}"' in html


def test_leaving_the_phone_blank_on_edit_keeps_it(client_as, enterprise_battery_maker):
    client_as(Role.COORDINATOR).post(
        edit_url(enterprise_battery_maker),
        edit_data(enterprise_battery_maker, contact_phone="", contact_person="新联系人"),
    )
    enterprise_battery_maker.refresh_from_db()
    assert (enterprise_battery_maker.contact_person, enterprise_battery_maker.contact_phone) == ("新联系人", FULL_PHONE)


def test_the_uscc_cannot_be_changed_on_edit(client_as, enterprise_battery_maker, new_uscc):
    client_as(Role.COORDINATOR).post(
        edit_url(enterprise_battery_maker), edit_data(enterprise_battery_maker, uscc=new_uscc)
    )
    assert not Enterprise.objects.filter(uscc=new_uscc).exists()


def test_clearing_the_township_empties_it(client_as, enterprise_battery_maker):
    client_as(Role.COORDINATOR).post(
        edit_url(enterprise_battery_maker), edit_data(enterprise_battery_maker, township="")
    )
    enterprise_battery_maker.refresh_from_db()
    assert enterprise_battery_maker.township is None


def test_a_concurrent_edit_is_reported_and_the_users_input_is_kept(client_as, enterprise_battery_maker):
    client = client_as(Role.COORDINATOR)
    stale = edit_data(enterprise_battery_maker, legal_representative="我的修改")
    enterprise_save(  # someone else saves first
        data=EnterpriseInput(uscc=enterprise_battery_maker.uscc, contact_person="他人修改"),
        source="营商办手工录入",
        as_of=timezone.localdate(),
    )
    response = client.post(edit_url(enterprise_battery_maker), stale)
    html = response.content.decode()
    assert response.status_code == 409
    assert "该企业信息已被他人修改,请刷新后重新编辑" in html
    assert 'value="我的修改"' in html
    enterprise_battery_maker.refresh_from_db()
    assert enterprise_battery_maker.legal_representative == "张三"
    assert enterprise_battery_maker.contact_person == "他人修改"


def test_an_enterprise_user_cannot_edit(client_as, enterprise_battery_maker):
    assert client_as(Role.ENTERPRISE).get(edit_url(enterprise_battery_maker)).status_code == 403
