"""enterprise_save_many: what saving each row with enterprise_save would do, in a few queries per batch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yingshang.accounts.roles import Role
from yingshang.core.errors import ApplicationError
from yingshang.enterprises import services
from yingshang.enterprises.models import (
    Enterprise,
    EnterpriseEvent,
    EnterpriseFact,
    EnterpriseQualification,
    IndustryChain,
    Park,
    Qualification,
    Township,
)
from yingshang.enterprises.services import EnterpriseInput, enterprise_save, enterprise_save_many
from yingshang.enterprises.tests.fixtures.sample_import import ensure_reference_data
from yingshang.enterprises.validators import generate_uscc

USCC_NEW_BATTERY = "91420802MA49NEW01P"
USCC_BATTERY_RENAMED = "91420802MA49REN02R"
USCC_UNCHANGED_FOOD = "91420802MA49UNC03T"
USCC_CHAINS_ONLY = "91420802MA49CHA04X"
USCC_CLEARED = "91420802MA49CLR05Y"
USCC_LOWERCASE = "91420802MA49LAW06K"
USCC_SECOND_RUN = "91420802MA49NXT07L"

SOURCE_REGISTRATION = "市场监管局"
SOURCE_STATISTICS = "区统计局"


def _valid(code: str) -> str:
    """The code with its check digit put right (the constants above are written to be readable)."""
    from stdnum.cn import uscc as stdnum_uscc

    return code[:17] + stdnum_uscc.calc_check_digit(code[:17])


@pytest.fixture
def coordinator(make_user):
    ensure_reference_data()
    return make_user(Role.COORDINATOR)


class Ref:
    """Reference data by name, as the import resolves it."""

    @staticmethod
    def township(name: str) -> Township:
        return Township.objects.get(name=name)

    @staticmethod
    def park(name: str) -> Park:
        return Park.objects.get(name=name)

    @staticmethod
    def chains(*names: str) -> list[IndustryChain]:
        return [IndustryChain.objects.get(name=n) for n in names]

    @staticmethod
    def qualifications(*names: str) -> list[Qualification]:
        return [Qualification.objects.get(name=n) for n in names]


def _prior_state(by: Any) -> None:
    """What the registry holds before the import, saved one by one in both runs."""
    for data in [
        EnterpriseInput(
            uscc=_valid(USCC_BATTERY_RENAMED),
            name="荆门恒瑞电池有限公司",
            legal_representative="张三",
            township=Ref.township("子陵铺镇"),
            industry_chains=Ref.chains("新能源"),
            qualifications=Ref.qualifications("高新技术企业", "科技型中小企业"),
            annual_revenue=Decimal("1500"),
            employees=120,
            fact_year=2025,
        ),
        EnterpriseInput(uscc=_valid(USCC_UNCHANGED_FOOD), name="荆门楚天食品有限公司", township=Ref.township("栗溪镇")),
        EnterpriseInput(
            uscc=_valid(USCC_CHAINS_ONLY), name="荆门凯龙机械有限公司", industry_chains=Ref.chains("装备制造")
        ),
        EnterpriseInput(
            uscc=_valid(USCC_CLEARED),
            name="荆门鑫源建材有限公司",
            township=Ref.township("马河镇"),
            registered_capital=Decimal("500"),
        ),
    ]:
        enterprise_save(data=data, source=SOURCE_REGISTRATION, as_of=date(2025, 6, 30), by=by, audit=False)
    # A qualification link with details typed in by hand must survive an import that keeps the qualification.
    EnterpriseQualification.objects.filter(
        enterprise__uscc=_valid(USCC_BATTERY_RENAMED), qualification__name="高新技术企业"
    ).update(obtained_on=date(2023, 11, 1), expires_on=date(2026, 10, 31))


def _first_import() -> list[EnterpriseInput]:
    return [
        EnterpriseInput(
            uscc=_valid(USCC_NEW_BATTERY),
            name="荆门宏达新能源科技有限公司",
            legal_representative="李四",
            registered_address="湖北省荆门市东宝区象山大道1号",
            township=Ref.township("子陵铺镇"),
            park=Ref.park("荆门高新区"),
            registration_date=date(2019, 3, 8),
            registered_capital=Decimal("5000"),
            industry_code="C3841",
            industry_name="锂离子电池制造",
            industry_chains=Ref.chains("新能源", "装备制造"),
            scale="above",
            four_up_category="industry",
            qualifications=Ref.qualifications("高新技术企业"),
            employees=300,
            annual_revenue=Decimal("23500.5"),
            tax_paid=Decimal("860"),
            rd_spend=Decimal("1200"),
            fact_year=2025,
            is_dishonest_executee=False,
            is_abnormal_operation=False,
            contact_person="赵六",
            contact_phone="13907241234",
        ),
        EnterpriseInput(
            uscc=_valid(USCC_BATTERY_RENAMED),
            name="荆门恒瑞新能源电池股份有限公司",
            legal_representative=" 王五 ",
            industry_chains=Ref.chains("新材料"),
            qualifications=Ref.qualifications("高新技术企业"),
            annual_revenue=Decimal("900"),  # for 2023: recorded, but the 2025 figure stays current
            fact_year=2023,
        ),
        EnterpriseInput(uscc=_valid(USCC_UNCHANGED_FOOD), name="荆门楚天食品有限公司", township=Ref.township("栗溪镇")),
        EnterpriseInput(uscc=_valid(USCC_CHAINS_ONLY), industry_chains=Ref.chains("装备制造", "数字经济")),
        EnterpriseInput(uscc=_valid(USCC_CLEARED), clear=frozenset({"township"}), registered_capital=None),
        # The same enterprise twice in one file: the second row sees the first one's result.
        EnterpriseInput(
            uscc=_valid(USCC_NEW_BATTERY), annual_revenue=Decimal("20000"), fact_year=2024, contact_person="钱七"
        ),
        EnterpriseInput(uscc=_valid(USCC_LOWERCASE).lower(), name="荆门天成物流有限公司", employees=15),
    ]


def _re_import() -> list[EnterpriseInput]:
    return [
        EnterpriseInput(
            uscc=_valid(USCC_NEW_BATTERY),
            name="荆门宏达新能源科技股份有限公司",
            annual_revenue=Decimal("31000"),
            employees=320,
            fact_year=2026,
            qualifications=[],
        ),
        EnterpriseInput(
            uscc=_valid(USCC_BATTERY_RENAMED),
            name="荆门恒瑞新能源电池股份有限公司",
            annual_revenue=Decimal("900"),
            fact_year=2023,
        ),
        EnterpriseInput(uscc=_valid(USCC_LOWERCASE), annual_revenue=Decimal("80"), fact_year=2024),
        EnterpriseInput(uscc=_valid(USCC_SECOND_RUN), name="荆门博远生物科技有限公司", park=Ref.park("东宝工业园")),
    ]


PHASES: list[tuple[Callable[[], list[EnterpriseInput]], str, date]] = [
    (_first_import, SOURCE_STATISTICS, date(2026, 3, 31)),
    (_re_import, "区统计局(年报)", date(2027, 4, 30)),
]

_UNCOMPARABLE = {"id", "created_at", "updated_at"}  # ids and clock readings differ between two runs


def _snapshot(phase_started: datetime) -> dict[str, Any]:
    """Everything an import writes, keyed by USCC so two runs can be compared."""
    enterprises = {}
    for e in Enterprise.objects.order_by("uscc"):
        row = {f.attname: getattr(e, f.attname) for f in Enterprise._meta.concrete_fields}
        row = {k: v for k, v in row.items() if k not in _UNCOMPARABLE}
        row["written_in_this_phase"] = e.updated_at >= phase_started
        enterprises[e.uscc] = row
    facts = {
        (f.enterprise.uscc, f.key, f.year): (
            f.value,
            f.source,
            f.as_of,
            f.recorded_by_id,
            f.recorded_at >= phase_started,
        )
        for f in EnterpriseFact.objects.select_related("enterprise")
    }
    events: dict[str, list[tuple[Any, ...]]] = {}
    for event in EnterpriseEvent.objects.select_related("enterprise").order_by("id"):
        events.setdefault(event.enterprise.uscc, []).append((event.kind, event.summary, event.changes, event.actor_id))
    chains = {
        e.uscc: sorted(c.name for c in e.industry_chains.all())
        for e in Enterprise.objects.prefetch_related("industry_chains")
    }
    qualifications = {
        e.uscc: sorted(
            (link.qualification.name, link.source, link.as_of, link.obtained_on, link.expires_on)
            for link in e.qualification_links.select_related("qualification")
        )
        for e in Enterprise.objects.all()
    }
    return {
        "enterprises": enterprises,
        "facts": facts,
        "events": events,
        "chains": chains,
        "qualifications": qualifications,
    }


def _one_by_one(items: list[EnterpriseInput], source: str, as_of: date, by: Any) -> None:
    for data in items:
        enterprise_save(data=data, source=source, as_of=as_of, by=by, audit=False)


def _all_at_once(items: list[EnterpriseInput], source: str, as_of: date, by: Any) -> None:
    enterprise_save_many(items=items, source=source, as_of=as_of, by=by)


def _run_in_fresh_state(save: Callable[..., None], by: Any) -> list[dict[str, Any]]:
    """Prior state, then each phase through `save`; a snapshot after each. Rolled back afterwards."""
    snapshots = []
    with transaction.atomic():
        _prior_state(by)
        for items, source, as_of in PHASES:
            started = timezone.now()
            save(items(), source, as_of, by)
            snapshots.append(_snapshot(started))
        transaction.set_rollback(True)
    return snapshots


@pytest.mark.parametrize("batch_size", [services.SAVE_BATCH_SIZE, 2], ids=["one-batch", "batches-of-two"])
def test_saving_many_writes_exactly_what_saving_one_by_one_writes(coordinator, monkeypatch, batch_size):
    monkeypatch.setattr(services, "SAVE_BATCH_SIZE", batch_size)

    expected = _run_in_fresh_state(_one_by_one, coordinator)
    got = _run_in_fresh_state(_all_at_once, coordinator)

    for phase, (want, have) in enumerate(zip(expected, got, strict=True)):
        for part in want:
            assert have[part] == want[part], f"phase {phase + 1}: {part} differ"
    # And what both wrote is what the rules say (so the comparison is not between two equal mistakes):
    first, second = expected
    renamed = first["enterprises"][_valid(USCC_BATTERY_RENAMED)]
    assert renamed["annual_revenue"] == Decimal("1500")  # 2023's figure did not overwrite 2025's
    assert first["facts"][(_valid(USCC_BATTERY_RENAMED), "annual_revenue", 2023)][0] == "900"
    assert renamed["legal_representative"] == "王五"
    assert renamed["version"] == 2
    assert first["qualifications"][_valid(USCC_BATTERY_RENAMED)] == [
        ("高新技术企业", SOURCE_REGISTRATION, date(2025, 6, 30), date(2023, 11, 1), date(2026, 10, 31))
    ]
    assert first["chains"][_valid(USCC_BATTERY_RENAMED)] == ["新材料"]
    assert not first["enterprises"][_valid(USCC_UNCHANGED_FOOD)]["written_in_this_phase"]
    assert len(first["events"][_valid(USCC_UNCHANGED_FOOD)]) == 1  # only "created"
    chains_only = first["enterprises"][_valid(USCC_CHAINS_ONLY)]
    # A change of links alone still moves the version (so a concurrent edit is caught) and adds one event.
    assert (chains_only["version"], len(first["events"][_valid(USCC_CHAINS_ONLY)])) == (2, 2)
    assert first["enterprises"][_valid(USCC_CLEARED)]["township_id"] is None
    battery = first["enterprises"][_valid(USCC_NEW_BATTERY)]
    assert (battery["annual_revenue"], battery["contact_person"], battery["version"]) == (Decimal("23500.5"), "钱七", 2)
    assert battery["name_initials"] == "JMHDXNYKJYXGS"
    assert _valid(USCC_LOWERCASE) in first["enterprises"]
    battery = second["enterprises"][_valid(USCC_NEW_BATTERY)]
    assert (battery["annual_revenue"], battery["employees"], battery["version"]) == (Decimal("31000"), 320, 3)
    assert second["qualifications"][_valid(USCC_NEW_BATTERY)] == []
    assert second["facts"][(_valid(USCC_BATTERY_RENAMED), "annual_revenue", 2023)][1:3] == (
        "区统计局(年报)",
        date(2027, 4, 30),
    )
    # Years are compared per figure: 2024's revenue is the latest revenue, though employees are known for 2025.
    assert second["enterprises"][_valid(USCC_LOWERCASE)]["annual_revenue"] == Decimal("80")
    assert second["enterprises"][_valid(USCC_LOWERCASE)]["employees"] == 15


def test_an_earlier_year_is_recorded_without_overwriting_the_current_figure(coordinator):
    uscc = _valid(USCC_NEW_BATTERY)
    enterprise_save_many(
        items=[
            EnterpriseInput(
                uscc=uscc, name="荆门宏达新能源科技有限公司", annual_revenue=Decimal("1500"), fact_year=2025
            )
        ],
        source=SOURCE_STATISTICS,
        as_of=date(2026, 3, 31),
        by=coordinator,
    )

    result = enterprise_save_many(
        items=[EnterpriseInput(uscc=uscc, annual_revenue=Decimal("900"), fact_year=2023)],
        source=SOURCE_STATISTICS,
        as_of=date(2026, 3, 31),
        by=coordinator,
    )

    assert (result.created, result.updated) == (0, 1)
    enterprise = Enterprise.objects.get(uscc=uscc)
    assert enterprise.annual_revenue == Decimal("1500")
    revenue = dict(
        EnterpriseFact.objects.filter(enterprise=enterprise, key="annual_revenue").values_list("year", "value")
    )
    assert revenue == {2025: "1500", 2023: "900"}
    assert enterprise.events.latest("id").changes == {"annual_revenue@2023": {"to": "900", "year": 2023}}


def _new_items(count: int, seed: int) -> list[EnterpriseInput]:
    import random

    rng = random.Random(seed)
    chains = Ref.chains("新能源", "新材料")
    return [
        EnterpriseInput(
            uscc=generate_uscc(rng),
            name=f"荆门测试{seed}号企业{i}有限公司",
            township=Ref.township("龙泉街道"),
            industry_chains=chains[: i % 3],
            qualifications=Ref.qualifications("高新技术企业") if i % 2 else [],
            annual_revenue=Decimal(100 + i),
            employees=10 + i,
        )
        for i in range(count)
    ]


def test_the_number_of_queries_does_not_grow_with_the_number_of_rows(coordinator):
    def queries(items: list[EnterpriseInput]) -> int:
        with CaptureQueriesContext(connection) as context:
            enterprise_save_many(items=items, source=SOURCE_STATISTICS, as_of=date(2026, 3, 31), by=coordinator)
        return len(context)

    few, many = _new_items(10, seed=1), _new_items(40, seed=2)
    assert queries(few) == queries(many)  # creating

    for item in few + many:
        item.name = f"{item.name}(更名)"
        item.industry_chains = Ref.chains("数字经济")
        item.annual_revenue = (item.annual_revenue or Decimal(0)) + 1
    assert queries(few) == queries(many)  # updating


def test_created_enterprises_take_their_ids_from_the_bulk_insert(coordinator):
    # SQLite 3.35+ and PostgreSQL return the new rows' ids; the facts, links and events below depend on them.
    assert connection.features.can_return_rows_from_bulk_insert
    items = _new_items(5, seed=3)

    enterprise_save_many(items=items, source=SOURCE_STATISTICS, as_of=date(2026, 3, 31), by=coordinator)

    for item in items:
        enterprise = Enterprise.objects.get(uscc=item.uscc)
        assert enterprise.events.get().kind == "created"
        assert enterprise.facts.get(key="name").value == item.name
        assert sorted(c.name for c in enterprise.industry_chains.all()) == sorted(
            c.name for c in item.industry_chains or []
        )


def test_without_ids_returned_by_the_database_they_are_read_back(coordinator, monkeypatch):
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    items = _new_items(3, seed=4)

    enterprise_save_many(items=items, source=SOURCE_STATISTICS, as_of=date(2026, 3, 31), by=coordinator)

    for item in items:
        assert Enterprise.objects.get(uscc=item.uscc).facts.get(key="name").value == item.name


def test_updated_rows_bump_their_version_once_and_unchanged_rows_keep_it(coordinator):
    items = _new_items(3, seed=5)
    enterprise_save_many(items=items, source=SOURCE_STATISTICS, as_of=date(2026, 3, 31), by=coordinator)
    items[0].legal_representative = "周八"

    result = enterprise_save_many(items=items, source=SOURCE_STATISTICS, as_of=date(2026, 3, 31), by=coordinator)

    assert (result.created, result.updated) == (0, 3)  # "updated" counts every row that matched
    versions = dict(Enterprise.objects.filter(uscc__in=[i.uscc for i in items]).values_list("uscc", "version"))
    assert versions == {items[0].uscc: 2, items[1].uscc: 1, items[2].uscc: 1}


def test_a_row_that_breaks_a_rule_is_named_by_its_index_and_nothing_is_saved(coordinator):
    items = [*_new_items(2, seed=6), EnterpriseInput(uscc=_valid(USCC_SECOND_RUN))]  # new, but without a name

    with pytest.raises(ApplicationError, match="企业名称不能为空") as raised:
        enterprise_save_many(items=items, source=SOURCE_STATISTICS, as_of=date(2026, 3, 31), by=coordinator)

    assert raised.value.extra["index"] == 2
    assert not Enterprise.objects.filter(uscc__in=[i.uscc for i in items]).exists()


def test_an_invalid_code_is_named_by_its_index(coordinator):
    good = _valid(USCC_SECOND_RUN)
    bad_check_digit = good[:-1] + ("0" if good[-1] != "0" else "1")
    items = [*_new_items(1, seed=7), EnterpriseInput(uscc=bad_check_digit, name="校验位错误有限公司")]

    with pytest.raises(ApplicationError, match="校验位错误") as raised:
        enterprise_save_many(items=items, source=SOURCE_STATISTICS, as_of=date(2026, 3, 31), by=coordinator)

    assert raised.value.extra["index"] == 1


def _save_once(data: EnterpriseInput, by: Any) -> None:
    enterprise_save(data=data, source=SOURCE_STATISTICS, as_of=date(2026, 3, 31), by=by)


def _save_in_bulk(data: EnterpriseInput, by: Any) -> None:
    enterprise_save_many(items=[data], source=SOURCE_STATISTICS, as_of=date(2026, 3, 31), by=by)


@pytest.mark.parametrize("save", [_save_once, _save_in_bulk], ids=["enterprise_save", "enterprise_save_many"])
def test_rewriting_a_fact_records_the_time_of_the_rewrite(coordinator, save):
    uscc = _valid(USCC_NEW_BATTERY)
    save(EnterpriseInput(uscc=uscc, name="荆门宏达新能源科技有限公司", annual_revenue=Decimal("1500")), coordinator)
    long_ago = timezone.now().replace(year=2020)
    EnterpriseFact.objects.filter(enterprise__uscc=uscc).update(recorded_at=long_ago)
    before = timezone.now()

    save(EnterpriseInput(uscc=uscc, annual_revenue=Decimal("1600")), coordinator)

    fact = EnterpriseFact.objects.get(enterprise__uscc=uscc, key="annual_revenue")
    assert fact.value == "1600"
    assert fact.recorded_at >= before
    untouched = EnterpriseFact.objects.get(enterprise__uscc=uscc, key="name")
    assert untouched.recorded_at == long_ago
