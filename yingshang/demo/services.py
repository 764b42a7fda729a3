"""Load the demo district. Idempotent: everything is keyed (department code, username, USCC), nothing is
overwritten, so a second run changes nothing."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from yingshang.accounts.models import Department, User
from yingshang.core import workdays
from yingshang.enterprises.models import Enterprise, FourUpCategory, IndustryChain, Park, Qualification, Scale, Township
from yingshang.enterprises.services import EnterpriseInput, enterprise_save
from yingshang.enterprises.validators import generate_uscc

from . import data

SOURCE_REGISTRATION = "区市场监督管理局(登记信息)"
SOURCE_STATISTICS = "区统计局(年报数据)"


@dataclass(frozen=True)
class DemoSummary:
    departments_created: int
    enterprises_created: int
    users_created: int
    calendar_years: list[int]
    # One line per feature module that loaded demo content ("惠企政策:57 项政策…").
    module_lines: list[str]


# Feature modules' demo content, loaded in this order after the district itself. Each is a module of this package
# with `load() -> str` (idempotent; returns a one-line summary); a module not written yet is skipped.
MODULES = ["policies", "appeals", "govservices", "assistant"]


def _load_modules() -> list[str]:
    import importlib

    lines = []
    for name in MODULES:
        try:
            module = importlib.import_module(f"yingshang.demo.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"yingshang.demo.{name}":
                continue
            raise
        lines.append(module.load())
    return lines


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return (Decimal(rng.randint(low * 100, high * 100)) / 100).quantize(Decimal("0.01"))


def _enterprise_inputs(count: int) -> list[tuple[EnterpriseInput, EnterpriseInput, EnterpriseInput]]:
    """Deterministic: the same count always gives the same enterprises (so re-running finds them by USCC)."""
    rng = random.Random(20260516)  # the day of 东宝区's business-environment press conference
    townships = list(Township.objects.order_by("sort_order"))
    parks = list(Park.objects.order_by("id"))
    chains = {c.name: c for c in IndustryChain.objects.all()}
    quals = {q.code: q for q in Qualification.objects.all()}
    chain_names = list(data.CHAIN_INDUSTRIES)
    used_names: set[str] = set()
    result = []
    for i in range(count):
        chain_name = chain_names[i % len(chain_names)]
        code, industry, stems = rng.choice(data.CHAIN_INDUSTRIES[chain_name])
        while True:
            prefix = rng.choice(["荆门", "湖北", "东宝", "荆门市"])
            name = f"{prefix}{rng.choice(data.BRAND_WORDS)}{rng.choice(stems)}有限公司"
            if name not in used_names:
                used_names.add(name)
                break
        above = rng.random() < 0.35
        revenue_2025 = _money(rng, 2000, 80000) if above else _money(rng, 80, 1999)
        growth = Decimal(rng.randint(85, 130)) / 100
        revenue_2024 = (revenue_2025 / growth).quantize(Decimal("0.01"))
        employees = rng.randint(60, 1200) if above else rng.randint(5, 120)
        qual_codes: list[str] = []
        if rng.random() < 0.3:
            qual_codes.append("high_tech")
        if rng.random() < 0.25:
            qual_codes.append("tech_sme")
        if above and rng.random() < 0.2:
            qual_codes.append("srdi")
            if rng.random() < 0.3:
                qual_codes.append("little_giant")
        extra_chains = [chains["新能源电池"]] if chain_name == "电力电子" and rng.random() < 0.3 else []
        township = rng.choice(townships)
        in_park = rng.random() < 0.6
        registration = date(2000, 1, 1) + timedelta(days=rng.randint(0, 9000))
        legal = (
            rng.choice(data.SURNAMES) + rng.choice(data.GIVEN) + (rng.choice(data.GIVEN) if rng.random() < 0.6 else "")
        )
        contact = rng.choice(data.SURNAMES) + rng.choice(data.GIVEN) + rng.choice(data.GIVEN)
        uscc = generate_uscc(rng)
        registration_input = EnterpriseInput(
            uscc=uscc,
            name=name,
            legal_representative=legal,
            registered_address=f"荆门市东宝区{township.name}{rng.choice(['工业大道', '长宁大道', '泉口路', '子陵大道', '漳河路'])}{rng.randint(1, 399)}号",
            township=township,
            park=rng.choice(parks) if in_park else None,
            registration_date=registration,
            registered_capital=Decimal(rng.choice([50, 100, 200, 500, 1000, 2000, 5000, 10000])),
            industry_code=code,
            industry_name=industry,
            industry_chains=[chains[chain_name], *extra_chains],
            scale=Scale.ABOVE if above else Scale.BELOW,
            four_up_category=FourUpCategory.INDUSTRY if above else FourUpCategory.NONE,
            qualifications=[quals[c] for c in qual_codes],
            is_dishonest_executee=rng.random() < 0.02,
            is_abnormal_operation=rng.random() < 0.03,
            contact_person=contact,
            contact_phone=f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
        )
        figures_2024 = EnterpriseInput(
            uscc=uscc,
            employees=max(1, int(employees / growth)),
            annual_revenue=revenue_2024,
            tax_paid=(revenue_2024 * Decimal("0.035")).quantize(Decimal("0.01")),
            rd_spend=(revenue_2024 * Decimal(rng.randint(5, 60)) / 1000).quantize(Decimal("0.01")),
            fact_year=2024,
        )
        figures_2025 = EnterpriseInput(
            uscc=uscc,
            employees=employees,
            annual_revenue=revenue_2025,
            tax_paid=(revenue_2025 * Decimal("0.035")).quantize(Decimal("0.01")),
            rd_spend=(revenue_2025 * Decimal(rng.randint(5, 60)) / 1000).quantize(Decimal("0.01")),
            fact_year=2025,
        )
        result.append((registration_input, figures_2024, figures_2025))
    return result


@transaction.atomic
def demo_load(*, enterprise_count: int = 200) -> DemoSummary:
    departments_created = 0
    by_code: dict[str, Department] = {}
    for order, (code, name, kind, parent_code, person, phone) in enumerate(data.DEPARTMENTS):
        dept, created = Department.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "parent": by_code.get(parent_code) if parent_code else None,
                "contact_person": person,
                "contact_phone": phone,
                "sort_order": order,
            },
        )
        by_code[code] = dept
        departments_created += int(created)

    for order, (name, kind) in enumerate(data.TOWNSHIPS):
        Township.objects.get_or_create(name=name, defaults={"kind": kind, "sort_order": order})
    for name in data.PARKS:
        Park.objects.get_or_create(name=name)
    for order, name in enumerate(data.CHAINS):
        IndustryChain.objects.get_or_create(name=name, defaults={"sort_order": order})
    for order, (code, name) in enumerate(data.QUALIFICATIONS):
        Qualification.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})

    enterprises_created = 0
    as_of_registration = date(2026, 3, 31)
    existing = set(Enterprise.objects.values_list("uscc", flat=True))
    for registration_input, figures_2024, figures_2025 in _enterprise_inputs(enterprise_count):
        if registration_input.uscc in existing:
            continue
        enterprise_save(data=registration_input, source=SOURCE_REGISTRATION, as_of=as_of_registration, audit=False)
        enterprise_save(data=figures_2024, source=SOURCE_STATISTICS, as_of=date(2025, 4, 30), audit=False)
        enterprise_save(data=figures_2025, source=SOURCE_STATISTICS, as_of=date(2026, 4, 30), audit=False)
        enterprises_created += 1

    first_enterprise = Enterprise.objects.order_by("id").first()
    users_created = 0
    for username, full_name, role, dept_code, enterprise_index, extra in data.ACCOUNTS:
        if User.objects.filter(username=username).exists():
            continue
        if enterprise_index is not None and first_enterprise is None:
            continue  # an enterprise account needs an enterprise; none was loaded
        user = User(
            username=username,
            full_name=full_name,
            role=role,
            department=by_code[dept_code] if dept_code else None,
            enterprise=first_enterprise if enterprise_index is not None else None,
            phone=f"1390724{len(username):02d}{users_created:02d}",
            **extra,
        )
        user.set_password(data.DEMO_PASSWORD)
        user.save()
        users_created += 1

    seeded = workdays.seed_from_package()
    module_lines = _load_modules()
    return DemoSummary(departments_created, enterprises_created, users_created, sorted(seeded), module_lines)
