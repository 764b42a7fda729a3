"""enterprise_save: one record per USCC, every fact with its source and date, a timeline entry and an audit row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from yingshang.accounts.roles import Role
from yingshang.core.audit import Action
from yingshang.core.errors import ApplicationError, ConflictError
from yingshang.core.models import AuditLog
from yingshang.enterprises.models import Enterprise, EnterpriseEvent, EnterpriseFact
from yingshang.enterprises.services import EnterpriseInput, enterprise_save
from yingshang.enterprises.tests.factories import IndustryChainFactory, QualificationFactory, TownshipFactory

USCC = "91420802MA4F0ABC1X"
AS_OF = date(2026, 3, 31)


@pytest.fixture
def uscc() -> str:
    from stdnum.cn import uscc as stdnum_uscc

    body = USCC[:17]
    return body + stdnum_uscc.calc_check_digit(body)


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.COORDINATOR)


def _save(uscc: str, by=None, **fields):
    return enterprise_save(data=EnterpriseInput(uscc=uscc, **fields), source="区统计局", as_of=AS_OF, by=by)


def test_first_save_creates_the_enterprise_with_pinyin_initials(db, uscc):
    enterprise, created, _ = _save(uscc, name="荆门新能源电池有限公司")
    assert created
    assert enterprise.uscc == uscc
    assert enterprise.name_initials == "JMXNYDCYXGS"
    assert enterprise.version == 1


def test_lowercase_uscc_is_stored_upper_cased(db, uscc):
    enterprise, _, _ = _save(uscc.lower(), name="荆门新能源电池有限公司")
    assert enterprise.uscc == uscc


def test_a_second_save_with_the_same_uscc_updates_instead_of_duplicating(db, uscc, coordinator):
    first, _, _ = _save(uscc, by=coordinator, name="荆门新能源电池有限公司", legal_representative="张三")
    second, created, changes = _save(uscc, by=coordinator, legal_representative="王五")
    assert not created
    assert second.pk == first.pk
    assert Enterprise.objects.filter(uscc=uscc).count() == 1
    assert second.legal_representative == "王五"
    assert second.name == "荆门新能源电池有限公司"  # not given: kept
    assert changes["legal_representative"] == {"from": "张三", "to": "王五"}
    assert second.version == 2


def test_a_save_without_changes_keeps_the_version_and_writes_no_event(db, uscc):
    _save(uscc, name="荆门新能源电池有限公司")
    enterprise, _, changes = _save(uscc, name="荆门新能源电池有限公司")
    assert changes == {}
    assert enterprise.version == 1
    assert EnterpriseEvent.objects.filter(enterprise=enterprise).count() == 1


def test_each_changed_fact_is_recorded_with_source_and_as_of(db, uscc, coordinator):
    township = TownshipFactory.create(name="子陵铺镇")
    enterprise, _, _ = _save(uscc, by=coordinator, name="荆门新能源电池有限公司", township=township)
    fact = EnterpriseFact.objects.get(enterprise=enterprise, key="township", year=None)
    assert fact.value == "子陵铺镇"
    assert fact.source == "区统计局"
    assert fact.as_of == AS_OF
    assert fact.recorded_by == coordinator


def test_yearly_figures_are_recorded_by_year(db, uscc):
    enterprise, _, _ = _save(uscc, name="荆门新能源电池有限公司", annual_revenue=Decimal("1200.5"), fact_year=2024)
    _save(uscc, annual_revenue=Decimal("1500"), fact_year=2025)
    facts = dict(
        EnterpriseFact.objects.filter(enterprise=enterprise, key="annual_revenue").values_list("year", "value")
    )
    assert facts == {2024: "1200.5", 2025: "1500"}
    enterprise.refresh_from_db()
    assert enterprise.annual_revenue == Decimal("1500")


def test_an_older_year_is_recorded_without_overwriting_the_current_figure(db, uscc):
    enterprise, _, _ = _save(uscc, name="荆门新能源电池有限公司", annual_revenue=Decimal("1500"), fact_year=2025)
    _save(uscc, annual_revenue=Decimal("900"), fact_year=2023)
    enterprise.refresh_from_db()
    assert enterprise.annual_revenue == Decimal("1500")
    assert EnterpriseFact.objects.get(enterprise=enterprise, key="annual_revenue", year=2023).value == "900"


def test_yearly_figures_default_to_the_year_before_the_as_of_date(db, uscc):
    enterprise, _, _ = _save(uscc, name="荆门新能源电池有限公司", employees=120)
    assert EnterpriseFact.objects.get(enterprise=enterprise, key="employees").year == AS_OF.year - 1


def test_every_change_appends_to_the_timeline(db, uscc, coordinator):
    enterprise, _, _ = _save(uscc, by=coordinator, name="荆门新能源电池有限公司")
    _save(uscc, by=coordinator, contact_person="李四")
    events = list(EnterpriseEvent.objects.filter(enterprise=enterprise).order_by("id"))
    assert [e.kind for e in events] == ["created", "updated"]
    assert events[0].actor == coordinator
    assert "来源:区统计局" in events[1].summary
    assert "contact_person" in events[1].changes


def test_create_and_update_write_audit_rows(db, uscc, coordinator):
    enterprise, _, _ = _save(uscc, by=coordinator, name="荆门新能源电池有限公司")
    _save(uscc, by=coordinator, contact_person="李四")
    rows = list(AuditLog.objects.filter(object_id=str(enterprise.pk)).order_by("seq"))
    assert [r.action for r in rows] == [Action.RECORD_CREATED, Action.RECORD_UPDATED]
    assert rows[1].user == coordinator
    assert rows[1].detail["fields"] == ["contact_person"]
    assert rows[1].detail["source"] == "区统计局"


def test_a_stale_version_is_refused_and_nothing_is_overwritten(db, uscc):
    enterprise, _, _ = _save(uscc, name="荆门新能源电池有限公司")
    _save(uscc, contact_person="甲")  # someone else's edit: version 1 → 2
    with pytest.raises(ConflictError, match="该企业信息已被他人修改,请刷新后重新编辑"):
        enterprise_save(
            data=EnterpriseInput(uscc=uscc, contact_person="乙"),
            source="营商办手工录入",
            as_of=AS_OF,
            expected_version=enterprise.version,
        )
    enterprise.refresh_from_db()
    assert enterprise.contact_person == "甲"


def test_the_current_version_is_accepted(db, uscc):
    _save(uscc, name="荆门新能源电池有限公司")
    saved, _, _ = enterprise_save(
        data=EnterpriseInput(uscc=uscc, contact_person="乙"), source="营商办", as_of=AS_OF, expected_version=1
    )
    assert saved.contact_person == "乙"
    assert saved.version == 2


def test_chains_and_qualifications_are_replaced_and_logged(db, uscc):
    chain = IndustryChainFactory.create(name="新能源")
    high_tech = QualificationFactory.create(code="high_tech", name="高新技术企业")
    enterprise, _, _ = _save(uscc, name="荆门新能源电池有限公司", industry_chains=[chain], qualifications=[high_tech])
    assert list(enterprise.industry_chains.all()) == [chain]
    link = enterprise.qualification_links.get()
    assert (link.qualification, link.source, link.as_of) == (high_tech, "区统计局", AS_OF)
    _, _, changes = _save(uscc, qualifications=[])
    assert changes["qualifications"] == {"to": []}
    assert not enterprise.qualification_links.exists()


def test_cleared_fields_are_emptied_only_when_asked(db, uscc):
    township = TownshipFactory.create(name="子陵铺镇")
    _save(uscc, name="荆门新能源电池有限公司", township=township, registered_capital=Decimal("500"))
    enterprise, _, _ = _save(uscc, registered_capital=None)
    assert enterprise.registered_capital == Decimal("500")
    enterprise, _, changes = _save(uscc, clear=frozenset({"township"}))
    assert enterprise.township is None
    assert changes["township"] == {"from": "子陵铺镇", "to": None}


def test_only_nullable_fields_can_be_cleared(db, uscc):
    with pytest.raises(ApplicationError, match="这些字段不能清空"):
        _save(uscc, name="荆门新能源电池有限公司", clear=frozenset({"name"}))


def test_a_new_enterprise_needs_a_name(db, uscc):
    with pytest.raises(ApplicationError, match="企业名称不能为空"):
        _save(uscc)


def test_a_source_is_required(db, uscc):
    with pytest.raises(ApplicationError, match="请填写数据来源"):
        enterprise_save(data=EnterpriseInput(uscc=uscc, name="甲公司"), source="  ", as_of=AS_OF)


def test_changing_only_the_industry_chains_moves_the_version_so_concurrent_edits_are_caught(db):
    from datetime import date

    from yingshang.core.errors import ConflictError
    from yingshang.enterprises.services import EnterpriseInput, enterprise_save
    from yingshang.enterprises.tests.factories import EnterpriseFactory, IndustryChainFactory

    enterprise = EnterpriseFactory.create()
    chain = IndustryChainFactory.create(name="电力电子")
    stale_version = enterprise.version
    saved, _, _ = enterprise_save(
        data=EnterpriseInput(uscc=enterprise.uscc, industry_chains=[chain]), source="园区", as_of=date(2026, 11, 1)
    )
    assert saved.version == stale_version + 1
    with pytest.raises(ConflictError):
        enterprise_save(
            data=EnterpriseInput(uscc=enterprise.uscc, legal_representative="王五"),
            source="营商办",
            as_of=date(2026, 11, 1),
            expected_version=stale_version,
        )
