"""Benchmark: the policy rules engine with 1,000,000 enterprises and 1,000 policies.

Usage:  .venv/bin/python bench/policy_matching.py [--db postgres|sqlite] [--rows 1000000] [--policies 1000]
                                                   [--openfisca] [--python-loop]

Builds a separate database (PostgreSQL `yingshang_bench_rules`, or var/bench_rules.sqlite3), fills it with
enterprises of realistic shape by SQL (revenue, staff, scale, industry codes, some values missing; chains,
qualifications, supplied project facts, loans and violations for a share of them), then measures:

(a) one policy against all enterprises, storing the eligible and unknown sets (INSERT … SELECT of the compiled
    rule into a result table), for a 认定类 policy on registry columns and for the 技改 policy of the seeds (supplied
    facts and record aggregates);
(b) one enterprise against 1,000 stored, published policies with explanations and amounts, through the 政策礼包's own
    functions (a server process keeps the published versions), p50/p95 over 200 enterprises, `--repeat` rounds, once
    the database has settled after (a)'s bulk writes;
(c) the same 认定类 rule as a plain per-row Python loop over a streamed cursor, and (with --openfisca) in
    OpenFisca-core, installed in a throw-away virtualenv under /tmp (AGPL, never a project dependency), end to end:
    build the tax-benefit system + load the inputs from the database + calculate.

Prints a Markdown table for docs/benchmarks.md and the peak memory of this process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_NAME = "yingshang_bench_rules"
SQLITE_PATH = ROOT / "var" / "bench_rules.sqlite3"
OPENFISCA_VENV = Path("/tmp/openfisca-venv")
DECISION = dt.date(2026, 11, 20)

CODES = ["1391", "1521", "2231", "2614", "2710", "3311", "3441", "3489", "3841", "3982", "5191", "5261", "7291", "4711"]

# A 认定类 policy on registry columns (e.g. a 规上制造业 R&D reward).
COLUMN_RULE: dict[str, Any] = {
    "all": [
        {"var": "is_manufacturing", "op": "is_true", "clause": "第一条"},
        {"var": "scale", "op": "eq", "value": "above", "clause": "第一条"},
        {"var": "annual_revenue", "op": "ge", "value": "2000", "clause": "第二条"},
        {"var": "registration_date", "op": "before", "value": "2023-11-20", "clause": "第二条"},
        {"var": "is_dishonest_executee", "op": "is_false", "clause": "第三条"},
        {
            "any": [
                {"var": "rd_spend", "op": "ge", "value": "300", "clause": "第四条"},
                {"var": "employees", "op": "ge", "value": "300", "clause": "第四条"},
            ]
        },
    ]
}


def configure(db: str) -> str:
    if db == "postgres":
        import psycopg

        admin = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [PG_NAME]).fetchone():
                conn.execute(f"CREATE DATABASE {PG_NAME}")
        url = admin.rsplit("/", 1)[0] + "/" + PG_NAME
    else:
        SQLITE_PATH.parent.mkdir(exist_ok=True)
        url = f"sqlite:///{SQLITE_PATH}"
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


class SQL:
    """The few expressions that differ between PostgreSQL and SQLite in the generator."""

    def __init__(self, vendor: str) -> None:
        self.pg = vendor == "postgresql"

    def rnd(self) -> str:
        return "random()" if self.pg else "((abs(random()) % 1000000) / 1000000.0)"

    def ri(self, k: int) -> str:
        return f"(floor(random() * {k}))::int" if self.pg else f"(abs(random()) % {k})"

    def day(self, offset: str) -> str:
        return f"(date '2000-01-01' + {offset})" if self.pg else f"date('2000-01-01', '+' || ({offset}) || ' days')"

    def dec(self, expr: str) -> str:
        return f"round(({expr})::numeric, 4)" if self.pg else f"round({expr}, 4)"

    def bool(self, expr: str) -> str:
        return f"({expr})" if self.pg else f"(CASE WHEN {expr} THEN 1 ELSE 0 END)"

    def pad14(self, expr: str) -> str:
        return f"lpad(({expr})::text, 14, '0')" if self.pg else f"substr('00000000000000' || ({expr}), -14, 14)"

    def now(self) -> str:
        return "now()" if self.pg else "datetime('now')"

    def json_text(self, expr: str) -> str:
        return f"to_jsonb(({expr})::text)" if self.pg else f"json_quote(CAST({expr} AS TEXT))"

    def json_bool(self, expr: str) -> str:
        return f"to_jsonb({expr})" if self.pg else f"(CASE WHEN {expr} THEN 'true' ELSE 'false' END)"

    def series(self, n: int) -> str:
        if self.pg:
            return f"generate_series(1, {n}) AS s(g)"
        return f"(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {n}) SELECT g FROM s) AS s"


def fill(rows: int) -> None:
    from django.db import connection, transaction

    from yingshang.enterprises.models import Enterprise, IndustryChain, Qualification

    have = Enterprise.objects.count()
    if have >= rows:
        print(f"已有 {have} 家企业,跳过生成", flush=True)
        return
    start = time.perf_counter()
    q = SQL(connection.vendor)
    codes = "".join(CODES)
    r = q.rnd()
    for name in ["装备制造", "医药化工", "轻工食品", "电力电子", "新能源电池"]:
        IndustryChain.objects.get_or_create(name=name)
    for code, name in [("high_tech", "高新技术企业"), ("srdi", "专精特新中小企业"), ("tech_sme", "科技型中小企业")]:
        Qualification.objects.get_or_create(code=code, defaults={"name": name})
    chain_ids = list(IndustryChain.objects.values_list("id", flat=True))
    qual_ids = list(Qualification.objects.values_list("id", flat=True))
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO enterprises_enterprise (uscc, name, name_initials, legal_representative, registered_address,
                registration_date, registered_capital, industry_code, industry_name, scale, four_up_category,
                employees, annual_revenue, tax_paid, rd_spend, is_dishonest_executee, is_abnormal_operation,
                contact_person, contact_phone, created_at, updated_at, version)
            SELECT '9142' || {q.pad14("g")}, '基准企业' || g, '', '', '',
                CASE WHEN {r} < 0.92 THEN {q.day(q.ri(9400))} END,
                CASE WHEN {r} < 0.9 THEN {q.dec(f"{r} * {r} * 20000")} END,
                CASE WHEN {r} < 0.95 THEN substr('{codes}', 1 + 4 * {q.ri(len(CODES))}, 4) ELSE '' END,
                '',
                CASE WHEN {r} < 0.2 THEN 'above' ELSE 'below' END, '',
                CASE WHEN {r} < 0.85 THEN {q.ri(1200)} END,
                CASE WHEN {r} < 0.8 THEN {q.dec(f"{r} * {r} * {r} * 100000")} END,
                CASE WHEN {r} < 0.7 THEN {q.dec(f"{r} * {r} * 3000")} END,
                CASE WHEN {r} < 0.6 THEN {q.dec(f"{r} * {r} * {r} * 2000")} END,
                {q.bool(f"{r} < 0.01")}, {q.bool(f"{r} < 0.03")}, '', '', {q.now()}, {q.now()}, 1
            FROM {q.series(rows - have)}
            """
        )
        print(f"  企业 {time.perf_counter() - start:.0f} s", flush=True)
        lo = Enterprise.objects.order_by("id").values_list("id", flat=True).first()
        chain_table = Enterprise.industry_chains.through._meta.db_table
        # One chain link for 30 % of the enterprises, a qualification for 20 %.
        cur.execute(
            f"INSERT INTO {chain_table} (enterprise_id, industrychain_id) SELECT id, "
            f"{chain_ids[0]} + (id % {len(chain_ids)}) FROM enterprises_enterprise WHERE id % 10 < 3"
        )
        cur.execute(
            "INSERT INTO enterprises_enterprisequalification (enterprise_id, qualification_id, obtained_on, "
            "expires_on, source, as_of) SELECT id, "
            f"{qual_ids[0]} + (id % {len(qual_ids)}), NULL, "
            f"CASE WHEN id % 7 = 0 THEN {q.day('9000')} END, '基准', {q.day('9400')} "
            "FROM enterprises_enterprise WHERE id % 5 = 0"
        )
        # Supplied project facts for 5 % (a third of those leave the equipment figure out).
        facts = [
            ("pays_tax_in_district", q.json_bool("TRUE" if q.pg else "1")),
            ("independent_legal_person", q.json_bool(f"{r} < 0.97")),
            ("project_fits_industrial_policy", q.json_bool(f"{r} < 0.9")),
            ("construction_period_months", q.json_text(q.ri(48))),
            ("equipment_bought_in_period", q.json_bool(f"{r} < 0.95")),
            ("project_previously_funded", q.json_bool(f"{r} < 0.1")),
            ("robot_replacement_project", q.json_bool(f"{r} < 0.3")),
        ]
        for key, value in facts:
            cur.execute(
                "INSERT INTO enterprises_enterprisefact (enterprise_id, key, year, value, source, as_of, recorded_at) "
                f"SELECT id, '{key}', NULL, {value}, '企业自报', {q.day('9400')}, {q.now()} "
                "FROM enterprises_enterprise WHERE id % 20 = 0"
            )
        cur.execute(
            "INSERT INTO enterprises_enterprisefact (enterprise_id, key, year, value, source, as_of, recorded_at) "
            f"SELECT id, 'equipment_investment', NULL, {q.json_text(q.dec(f'{r} * 3000'))}, '企业自报', "
            f"{q.day('9400')}, {q.now()} FROM enterprises_enterprise WHERE id % 60 IN (0, 20)"
        )
        # Loans for 10 %, violations for 2 %.
        kinds = ["startup_guarantee", "ip_pledge", "equipment_renewal", "ecommerce", "first_loan_301", "other"]
        kind_sql = "CASE " + " ".join(f"WHEN id % {len(kinds)} = {i} THEN '{k}'" for i, k in enumerate(kinds)) + " END"
        cur.execute(
            "INSERT INTO policies_enterpriseloan (enterprise_id, kind, bank, amount_fen, interest_fen, granted_on, "
            "pboc_relending, first_loan, source, recorded_at) "
            f"SELECT id, {kind_sql}, '', 100000 * (1 + {q.ri(5000)}), 100 * {q.ri(100000)}, "
            f"{q.day(f'8000 + {q.ri(1420)}')}, {q.bool(f'{r} < 0.3')}, {q.bool(f'{r} < 0.2')}, '基准', {q.now()} "
            "FROM enterprises_enterprise WHERE id % 10 = 1"
        )
        cur.execute(
            "INSERT INTO policies_enterpriseviolation (enterprise_id, kind, severity, occurred_on, description, "
            "source, recorded_at) "
            f"SELECT id, CASE WHEN id % 3 = 0 THEN 'safety' ELSE 'fiscal_fund' END, "
            f"CASE WHEN id % 4 = 0 THEN 'major' ELSE 'general' END, {q.day(f'7000 + {q.ri(2400)}')}, '', '基准', "
            f"{q.now()} FROM enterprises_enterprise WHERE id % 50 = 2"
        )
        del lo
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE" if q.pg else "ANALYZE")
    print(f"生成 {rows} 家企业用时 {time.perf_counter() - start:.0f} s", flush=True)


def store_matches(rule: dict[str, Any], how: str = "join") -> tuple[float, int, int]:
    """INSERT … SELECT the eligible and unknown sets into a result table; returns (seconds, eligible, unknown).

    how="join": engine.match_sql (one statement, joined values); how="q": engine.compile_rule's Q objects.
    """
    from django.db import connection, transaction
    from django.db.models import Case, IntegerField, Value, When

    from yingshang.enterprises.models import Enterprise
    from yingshang.policies.engine import compile_rule, match_sql, prepare_cursor

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_match")
        cur.execute("CREATE TABLE bench_match (enterprise_id integer NOT NULL, eligible integer NOT NULL)")
    start = time.perf_counter()
    if how == "join":
        sql, params = match_sql(rule, decision_date=DECISION)
    else:
        eligible_q, unknown_q = compile_rule(rule, decision_date=DECISION)
        qs = (
            Enterprise.objects.filter(eligible_q | unknown_q)
            .order_by()
            .annotate(v=Case(When(eligible_q, then=Value(1)), default=Value(0), output_field=IntegerField()))
            .values_list("pk", "v")
        )
        sql, params = qs.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cur:
        prepare_cursor(cur)
        cur.execute(f"INSERT INTO bench_match (enterprise_id, eligible) {sql}", params)
    elapsed = time.perf_counter() - start
    with connection.cursor() as cur:
        cur.execute("SELECT eligible, count(*) FROM bench_match GROUP BY eligible")
        counts = dict(cur.fetchall())
    return elapsed, counts.get(1, 0), counts.get(0, 0)


def python_loop(rule: dict[str, Any]) -> tuple[float, float, int, int]:
    """The same rule row by row in Python over a streamed cursor: hand-written ifs, and the engine's evaluate()."""
    from django.db import connection

    from yingshang.policies.engine import REGISTRY
    from yingshang.rules import Verdict, evaluate, parse_rule

    parsed = parse_rule(rule)
    cols = "industry_code, scale, annual_revenue, registration_date, is_dishonest_executee, rd_spend, employees"
    cutoff = dt.date(2023, 11, 20)

    def rows() -> Any:
        with connection.cursor() as cur:
            cur.execute(f"SELECT {cols} FROM enterprises_enterprise")
            while batch := cur.fetchmany(10000):
                yield from batch

    start = time.perf_counter()
    eligible = 0
    for code, scale, revenue, founded, dishonest, rd, staff in rows():
        if isinstance(founded, str):
            founded = dt.date.fromisoformat(founded)
        manufacturing = None if not code else "13" <= code[:2] <= "43"
        if (
            manufacturing
            and scale == "above"
            and revenue is not None
            and revenue >= 2000
            and founded is not None
            and founded < cutoff
            and not dishonest
            and ((rd is not None and rd >= 300) or (staff is not None and staff >= 300))
        ):
            eligible += 1
    hand = time.perf_counter() - start
    start = time.perf_counter()
    counted = 0
    for code, scale, revenue, founded, dishonest, rd, staff in rows():
        facts = {
            "is_manufacturing": None if not code else "13" <= code[:2] <= "43",
            "scale": scale,
            "annual_revenue": revenue,
            "registration_date": dt.date.fromisoformat(founded) if isinstance(founded, str) else founded,
            "is_dishonest_executee": bool(dishonest),
            "rd_spend": rd,
            "employees": staff,
        }
        if evaluate(parsed, facts, decision_date=DECISION, registry=REGISTRY).verdict is Verdict.TRUE:
            counted += 1
    engine = time.perf_counter() - start
    return hand, engine, eligible, counted


def random_policies(n: int, seed: int = 7) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Rules of realistic shape: 3–12 conditions from a catalogue, some any-groups, record aggregates, formulas."""
    rng = random.Random(seed)

    def num(var: str, lo: int, hi: int, clause: str) -> dict[str, Any]:
        return {
            "var": var,
            "op": rng.choice(["ge", "ge", "gt", "le"]),
            "value": str(rng.randint(lo, hi)),
            "clause": clause,
        }

    catalogue = [
        lambda: {"var": "is_manufacturing", "op": "is_true", "clause": "第一条"},
        lambda: {"var": "scale", "op": "eq", "value": rng.choice(["above", "below"]), "clause": "第一条"},
        lambda: num("annual_revenue", 100, 20000, "第二条"),
        lambda: num("employees", 10, 1000, "第二条"),
        lambda: num("rd_spend", 10, 1000, "第二条"),
        lambda: num("tax_paid", 10, 1000, "第二条"),
        lambda: num("registered_capital", 50, 5000, "第二条"),
        lambda: {
            "var": "registration_date",
            "op": "within_last",
            "value": {"years": rng.randint(1, 10)},
            "clause": "第三条",
        },
        lambda: {"var": "is_dishonest_executee", "op": "is_false", "clause": "第四条"},
        lambda: {"var": "is_abnormal_operation", "op": "is_false", "clause": "第四条"},
        lambda: {
            "var": "industry_code",
            "op": "starts_with",
            "value": rng.sample(["13", "26", "27", "33", "34", "38"], 2),
            "clause": "第一条",
        },
        lambda: {
            "var": "qualifications",
            "op": "in",
            "value": rng.sample(["高新技术企业", "专精特新中小企业", "科技型中小企业"], 1),
            "clause": "第一条",
        },
        lambda: {"var": "industry_chains", "op": "in", "value": ["新能源电池"], "clause": "第一条"},
        lambda: num("equipment_investment", 100, 2000, "第五条"),
        lambda: {"var": "project_previously_funded", "op": "is_false", "clause": "第六条"},
        lambda: {
            "not": {
                "agg": "exists",
                "of": "violations",
                "where": [{"var": "severity", "op": "eq", "value": "major"}],
                "window": {"years": 3},
                "clause": "第四条",
            }
        },
        lambda: {
            "agg": "sum",
            "of": "loans",
            "field": "amount",
            "where": [
                {"var": "kind", "op": "eq", "value": rng.choice(["startup_guarantee", "ecommerce", "ip_pledge"])}
            ],
            "window": {"years": 1},
            "op": "ge",
            "value": str(rng.randint(1, 50) * 100000),
            "clause": "第二条",
        },
    ]
    money = ["annual_revenue", "rd_spend", "tax_paid", "equipment_investment"]
    out = []
    for _ in range(n):
        picks = [rng.choice(catalogue)() for _ in range(rng.randint(3, 12))]
        if rng.random() < 0.3 and len(picks) > 3:
            picks = [*picks[:-2], {"any": picks[-2:]}]
        formula: dict[str, Any] = {
            "base": {"kind": "rate", "of": rng.choice(money), "rate": rng.choice(["0.01", "0.05", "0.1"])},
            "cap": str(rng.choice([100000, 500000, 2000000])),
        }
        if rng.random() < 0.3:
            formula["base"] = {"kind": "fixed", "amount": str(rng.choice([50000, 100000, 300000]))}
        out.append(({"all": picks}, formula))
    return out


BENCH_DOC = "基准政策"  # doc_number prefix of the benchmark's stored policies


def store_policies(n: int) -> int:
    """Store `n` published policies (Policy + its immutable PolicyVersion) with the random rules below, once; the
    benchmark's 1,000 policies then go through the same code as the 政策礼包 page. Returns how many are published."""
    from django.db import transaction
    from django.utils import timezone

    from yingshang.accounts.models import Department, User
    from yingshang.policies.models import Policy, PolicyStatus, PolicyVersion
    from yingshang.policies.outcomes import rule_hash

    stored = Policy.objects.filter(doc_number__startswith=BENCH_DOC, status=PolicyStatus.PUBLISHED).count()
    if stored != n:
        with transaction.atomic():
            Policy.objects.filter(doc_number__startswith=BENCH_DOC).update(current_version=None)
            PolicyVersion.objects.filter(policy__doc_number__startswith=BENCH_DOC).delete()
            Policy.objects.filter(doc_number__startswith=BENCH_DOC).delete()
            author, _ = User.objects.get_or_create(username="bench_policy_author", defaults={"role": "coordinator"})
            department, _ = Department.objects.get_or_create(code="BENCH-JXJ", defaults={"name": "经信局(基准)"})
            now = timezone.now()
            for i, (rule, formula) in enumerate(random_policies(n)):
                common = {
                    "title": f"基准政策 {i:04d}",
                    "doc_number": f"{BENCH_DOC}〔2026〕{i}号",
                    "summary": "基准测试用政策",
                    "source_text": "第一条 …… 第六条 ……" * 50,
                    "rule": rule,
                    "formula": formula,
                    "valid_from": dt.date(2026, 1, 1),
                    "reviewing_department": department,
                }
                policy = Policy.objects.create(status=PolicyStatus.PUBLISHED, created_by=author, **common)
                version = PolicyVersion.objects.create(
                    policy=policy,
                    number=1,
                    rule_hash=rule_hash(rule, formula),
                    published_at=now,
                    published_by=author,
                    **common,
                )
                Policy.objects.filter(pk=policy.pk).update(current_version=version, has_unpublished_changes=False)
    return Policy.objects.filter(status=PolicyStatus.PUBLISHED).count()


def settle() -> None:
    """Let the database finish with (a)'s bulk writes before (b) times single requests: drop the scratch result
    table (no autovacuum of 700,000 dead rows) and, on PostgreSQL, write the dirty pages now (CHECKPOINT) rather
    than while (b) runs."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_match")
        if connection.vendor == "postgresql":
            cur.execute("CHECKPOINT")
    time.sleep(5)


def _percentiles(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[int(len(values) * 0.95) - 1]


def one_enterprise_many_policies(policies: int, samples: int = 200) -> dict[str, Any]:
    """(b) through the application's own code, on `policies` stored, published policies:
    - `enterprise_outcomes`: the enterprise's facts, every policy's verdict, and the amount, explanation tree,
      missing facts and near-miss sentences of each policy worth showing;
    - `package_for`: the same plus what the 政策礼包 page adds (the enterprise's 点单 and applications, the reviewing
      departments' names, grouping and ordering)."""
    from yingshang.enterprises.models import Enterprise
    from yingshang.policies.package import enterprise_outcomes, package_for

    published = store_policies(policies)
    assert published >= policies, published
    hi = Enterprise.objects.order_by("-id").values_list("id", flat=True).first() or 1
    rng = random.Random(3)
    first = Enterprise.objects.order_by("id").first()
    assert first is not None
    package_for(first, today=DECISION)  # a server process has read and parsed the published policies once
    wall: dict[str, list[float]] = {"outcomes": [], "package": []}
    cpu: dict[str, list[float]] = {"outcomes": [], "package": []}
    shown_total = eligible_total = 0
    for _ in range(samples):
        enterprise = Enterprise.objects.filter(id__gte=rng.randint(1, hi)).order_by("id").first()
        assert enterprise is not None
        for name, run in (
            ("outcomes", lambda e=enterprise: enterprise_outcomes(e, today=DECISION)),
            ("package", lambda e=enterprise: package_for(e, today=DECISION)),
        ):
            start, started_cpu = time.perf_counter(), time.process_time()
            result = run()
            wall[name].append((time.perf_counter() - start) * 1000)
            cpu[name].append((time.process_time() - started_cpu) * 1000)
        shown_total += len(result.eligible) + len(result.near) + len(result.unknown)
        eligible_total += len(result.eligible)
    return {
        "outcomes": _percentiles(wall["outcomes"]),
        "outcomes_cpu": _percentiles(cpu["outcomes"]),
        "package": _percentiles(wall["package"]),
        "package_cpu": _percentiles(cpu["package"]),
        "eligible": eligible_total / samples,
        "shown": shown_total / samples,
    }


OPENFISCA_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable
from openfisca_core.periods import DateUnit
from openfisca_core.simulation_builder import SimulationBuilder

Enterprise = build_entity(key="enterprise", plural="enterprises", label="企业", is_person=True)

def var(name, typ, default=0):
    return type(name, (Variable,), {"value_type": typ, "entity": Enterprise, "definition_period": DateUnit.ETERNITY,
                                    "label": name, "default_value": default})

cols = ["manufacturing", "manufacturing_known", "above", "revenue", "revenue_known", "founded_before",
        "founded_known", "dishonest", "rd", "rd_known", "staff", "staff_known"]
types = {c: (bool if c in ("manufacturing", "manufacturing_known", "above", "revenue_known", "founded_before",
              "founded_known", "dishonest", "rd_known", "staff_known") else float) for c in cols}

def eligible_formula(e, period):
    known = (e("manufacturing_known", period) & e("revenue_known", period) & e("founded_known", period))
    ok = (e("manufacturing", period) & e("above", period) & (e("revenue", period) >= 2000)
          & e("founded_before", period) & ~e("dishonest", period)
          & (((e("rd", period) >= 300) & e("rd_known", period)) | ((e("staff", period) >= 300) & e("staff_known", period))))
    return ok & known

class tbs(TaxBenefitSystem):
    def __init__(self):
        super().__init__([Enterprise])
        for c in cols:
            self.add_variable(var(c, types[c], False if types[c] is bool else 0.0))
        self.add_variable(type("eligible", (Variable,), {"value_type": bool, "entity": Enterprise,
            "definition_period": DateUnit.YEAR, "label": "eligible", "formula": eligible_formula}))

system = tbs()
t_build = time.perf_counter()
url, vendor = sys.argv[1], sys.argv[2]
sql = ("SELECT industry_code, scale, annual_revenue, registration_date, is_dishonest_executee, rd_spend, employees "
       "FROM enterprises_enterprise")
if vendor == "postgresql":
    import psycopg
    conn = psycopg.connect(url.replace("postgres://", "postgresql://"))
else:
    import sqlite3
    conn = sqlite3.connect(url.replace("sqlite:///", "/"))
cur = conn.cursor()
cur.execute(sql)
rows = cur.fetchall()
n = len(rows)
code = [r[0] or "" for r in rows]
man_known = np.array([bool(c) for c in code])
man = np.array([bool(c) and "13" <= c[:2] <= "43" for c in code])
above = np.array([r[1] == "above" for r in rows])
rev = np.array([float(r[2]) if r[2] is not None else 0.0 for r in rows]); rev_known = np.array([r[2] is not None for r in rows])
fd = [str(r[3]) if r[3] is not None else None for r in rows]
founded_known = np.array([d is not None for d in fd]); founded_before = np.array([d is not None and d < "2023-11-20" for d in fd])
dis = np.array([bool(r[4]) for r in rows])
rd = np.array([float(r[5]) if r[5] is not None else 0.0 for r in rows]); rd_known = np.array([r[5] is not None for r in rows])
st = np.array([float(r[6]) if r[6] is not None else 0.0 for r in rows]); st_known = np.array([r[6] is not None for r in rows])
del rows
sb = SimulationBuilder()
sb.create_entities(system)
sb.declare_person_entity("enterprise", range(n))
sim = sb.build(system)
for name, arr in [("manufacturing", man), ("manufacturing_known", man_known), ("above", above), ("revenue", rev),
                  ("revenue_known", rev_known), ("founded_before", founded_before), ("founded_known", founded_known),
                  ("dishonest", dis), ("rd", rd), ("rd_known", rd_known), ("staff", st), ("staff_known", st_known)]:
    sim.set_input(name, "2026", arr)
t_load = time.perf_counter()
result = sim.calculate("eligible", "2026")
t_calc = time.perf_counter()
print(json.dumps({"build": t_build - t0, "load": t_load - t_build, "calculate": t_calc - t_load,
                  "total": t_calc - t0, "eligible": int(result.sum())}))
"""


def openfisca(url: str, vendor: str) -> dict[str, Any] | None:
    python = OPENFISCA_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(OPENFISCA_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "openfisca-core", "psycopg[binary]"], check=True)
    script = OPENFISCA_VENV / "bench_openfisca.py"
    script.write_text(OPENFISCA_SCRIPT)
    out = subprocess.run([str(python), str(script), url, vendor], capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stderr[-3000:])
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--openfisca", action="store_true")
    parser.add_argument("--python-loop", action="store_true")
    args = parser.parse_args()
    url = configure(args.db)
    fill(args.rows)
    from django.db import connection

    from yingshang.enterprises.models import Enterprise
    from yingshang.policies.engine.seed_policies import TECH_RENEWAL_RULE

    total = Enterprise.objects.count()
    print(f"\n{connection.vendor}: {total} 家企业\n")
    lines = []
    cases = [
        ("认定类(企业库字段),match_sql", COLUMN_RULE, "join"),
        ("认定类(企业库字段),compile_rule 的 Q 对象", COLUMN_RULE, "q"),
        ("技改设备补助(补充信息+关联记录),match_sql", TECH_RENEWAL_RULE, "join"),
    ]
    for label, rule, how in cases:
        store_matches(rule, how)  # warm the cache
        runs = [store_matches(rule, how) for _ in range(args.repeat)]
        times = sorted(r[0] for r in runs)
        _, eligible, unknown = runs[-1]
        lines.append(
            f"| (a) {label} | {statistics.median(times):.2f} s(最快 {times[0]:.2f} s)| 符合 {eligible},待补充 {unknown} |"
        )
        print(lines[-1], flush=True)
    settle()
    b_runs = [one_enterprise_many_policies(args.policies) for _ in range(args.repeat)]
    for name, label in (
        ("outcomes", "enterprise_outcomes(全部判定 + 展示项的解释与金额)"),
        ("package", "package_for(政策礼包页面的全部数据:另加点单、申报、审核部门)"),
    ):
        p50s = sorted(r[name][0] for r in b_runs)
        p95s = sorted(r[name][1] for r in b_runs)
        cpu95 = sorted(r[f"{name}_cpu"][1] for r in b_runs)
        lines.append(
            f"| (b) 1 家企业 × {args.policies} 项已发布政策,{label},{args.repeat} 轮 × 200 家企业 | "
            f"p50 {statistics.median(p50s):.1f} ms / p95 {statistics.median(p95s):.1f} ms(各轮 p95 "
            f"{' / '.join(f'{v:.1f}' for v in p95s)};CPU p95 {statistics.median(cpu95):.1f} ms)| "
            f"平均符合 {b_runs[-1]['eligible']:.1f} 项,展示 {b_runs[-1]['shown']:.1f} 项 |"
        )
    print("\n".join(lines[-2:]), flush=True)
    peak_engine = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"| 基准进程峰值内存,(a)(b) 之后 | {peak_engine:.0f} MB | |")
    if args.python_loop:
        hand, engine, eligible, counted = python_loop(COLUMN_RULE)
        lines.append(f"| (c) 逐行 Python 循环(手写判断,游标流式读取) | {hand:.2f} s | 符合 {eligible} |")
        lines.append(f"| (c) 逐行 Python 循环(规则引擎 evaluate,含解释) | {engine:.2f} s | 符合 {counted} |")
        print("\n".join(lines[-2:]), flush=True)
    if args.openfisca:
        result = openfisca(url, connection.vendor)
        if result:
            lines.append(
                f"| (c) OpenFisca-core 端到端(构建 {result['build']:.2f} s + 载入 {result['load']:.2f} s + 计算 "
                f"{result['calculate']:.2f} s) | {result['total']:.2f} s | 符合 {result['eligible']} |"
            )
            print(lines[-1], flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"| 基准进程峰值内存,全部之后 | {peak:.0f} MB | 含 (c) 的逐行循环 |")
    print(f"\n负载 {os.getloadavg()}")
    print("\n| 场景 | 用时 | 结果 |\n|---|---|---|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
