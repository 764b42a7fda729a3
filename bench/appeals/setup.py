"""Benchmark databases for the appeals load test and the 1,000,000-appeal ledger timing.

Used by bench/appeals_load.py; runnable alone to (re)build a database:

    .venv/bin/python -m bench.appeals.setup --db yingshang_bench_appeals            # load-test world only
    .venv/bin/python -m bench.appeals.setup --db yingshang_bench_appeals_1m --rows 1000000

Each database lives on the local PostgreSQL (trust auth, user postgres) and is never the project's own database.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PASSWORD = "Bench-Passw0rd!"  # benchmark accounts only, in a throw-away database
CATEGORIES = [
    ("ydyn", "用地用能", "ZRZY"),
    ("spys", "审批验收", "XZSP"),
    ("rzxq", "融资需求", "JRZX"),
    ("zcdx", "政策兑现", "JXJ"),
    ("ygzp", "用工招聘", "RSJ"),
    ("zfjc", "执法检查", "SCJG"),
    ("wljt", "物流交通", "SWJ"),
    ("flj", "法律纠纷", "FGJ"),
    ("qt", "其他", "YSB"),
]


def db_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def bench_env(name: str) -> dict[str, str]:
    """Production-like settings (DEBUG off, PostgreSQL, persistent connections) without HTTPS-only cookies."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": db_url(name),
        "DB_CONN_MAX_AGE": "600",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "STAFF_2FA_REQUIRED": "false",
        "LOG_LEVEL": "WARNING",
        "TASKS_BACKEND": os.environ.get("TASKS_BACKEND", "database"),
    }


def configure(name: str, *, fresh: bool = False) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(bench_env(name))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def world(*, enterprises: int = 200, enterprise_users: int = 200, staff: int = 5) -> dict[str, Any]:
    """Departments and enterprises (the demo district), categories, enterprise users and office/department staff."""
    from yingshang.accounts.models import Department, User
    from yingshang.accounts.roles import Role
    from yingshang.appeals.models import AppealCategory
    from yingshang.demo import data
    from yingshang.enterprises.models import Enterprise
    from yingshang.enterprises.tests.factories import EnterpriseFactory

    # The demo district's departments; enterprises from the test factory (not demo_load, which also loads every
    # module's demo content and so depends on all of them).
    for order, (code, name, kind, _parent, person, phone) in enumerate(data.DEPARTMENTS):
        Department.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "contact_person": person,
                "contact_phone": phone,
                "sort_order": order,
            },
        )
    for i in range(Enterprise.objects.count(), enterprises):
        EnterpriseFactory.create(name=f"基准测试企业{i:04d}有限公司")
    depts = {d.code: d for d in Department.objects.all()}
    for order, (code, name, dept) in enumerate(CATEGORIES):
        AppealCategory.objects.get_or_create(
            code=f"bench-{code}",
            defaults={"name": f"{name}", "default_department": depts.get(dept), "sort_order": order},
        )
    ents = list(Enterprise.objects.order_by("id")[:enterprises])
    for i in range(enterprise_users):
        username = f"bench_ent_{i:04d}"
        if not User.objects.filter(username=username).exists():
            user = User(username=username, role=Role.ENTERPRISE, enterprise=ents[i % len(ents)], full_name=f"企业{i}")
            user.set_password(PASSWORD)
            user.save()
    for i in range(staff):
        username = f"bench_office_{i:02d}"
        if not User.objects.filter(username=username).exists():
            user = User(username=username, role=Role.COORDINATOR, full_name=f"营商办{i}")
            user.set_password(PASSWORD)
            user.save()
    return {"enterprises": len(ents)}


def _copy(cursor: Any, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def appeal_rows(count: int, *, start_id: int, seed: int = 7) -> tuple[list[str], Any]:
    """Column names and a generator of Appeal rows (realistic spread of years, states, departments, categories).

    Every column of the model is filled: named ones below, the rest from the field's default, so the generator keeps
    working when the model gains a column with a default.
    """
    from django.db import connection

    from yingshang.accounts.models import Department
    from yingshang.appeals.models import Appeal, AppealCategory, AppealState
    from yingshang.enterprises.models import Enterprise

    rng = random.Random(seed)
    cats = list(AppealCategory.objects.values_list("id", flat=True))
    depts = list(Department.objects.exclude(code__in=["DB", "YSB"]).values_list("id", flat=True))
    ents = list(Enterprise.objects.values_list("id", "name"))
    fields = [f for f in Appeal._meta.concrete_fields if not f.primary_key]
    columns = ["id", *[f.column for f in fields]]
    states = [
        (AppealState.CLOSED, 0.78),
        (AppealState.HANDLING, 0.08),
        (AppealState.DISPATCHED, 0.03),
        (AppealState.SUBMITTED, 0.02),
        (AppealState.REPLIED, 0.03),
        (AppealState.REVIEWED, 0.03),
        (AppealState.SUSPENDED, 0.01),
        (AppealState.MERGED, 0.02),
    ]
    names, weights = zip(*states, strict=True)
    epoch = datetime(2024, 1, 1, tzinfo=UTC)
    span = (datetime(2026, 11, 20, tzinfo=UTC) - epoch).total_seconds()
    per_year: dict[int, int] = {}
    defaults = {f.column: f.get_default() for f in fields}
    _ = connection  # imported so callers see the same connection settings

    def gen() -> Any:
        offsets = sorted(rng.random() * span for _ in range(count))
        for i, offset in enumerate(offsets):
            created = epoch + timedelta(seconds=offset)
            year = created.year
            per_year[year] = per_year.get(year, 0) + 1
            state = rng.choices(names, weights)[0]
            ent_id, ent_name = rng.choice(ents)
            dept = rng.choice(depts) if state != AppealState.SUBMITTED else None
            finished = state in (AppealState.CLOSED, AppealState.REPLIED, AppealState.REVIEWED, AppealState.MERGED)
            deadline = None if finished else (created + timedelta(days=rng.randint(-5, 20))).date()
            values = dict(defaults)
            values.update(
                {
                    "number": f"SQ{year}-{per_year[year]:06d}",
                    "enterprise_id": ent_id,
                    "enterprise_name": ent_name,
                    "category_id": rng.choice(cats),
                    "title": f"关于{rng.choice(['用电增容', '厂房验收', '贷款贴息', '招工', '道路改造', '政策兑现'])}的诉求{i}",
                    "description": "企业反映的问题与诉求内容(基准测试生成)",
                    "channel": rng.choice(["web", "web", "mini_program", "12345", "phone", "meeting", "reception"]),
                    "external_id": "",
                    "urgency": rng.choice(["normal"] * 8 + ["urgent", "critical"]),
                    "confidential": rng.random() < 0.05,
                    "contact_name": "张先生",
                    "contact_phone": "13800000000",
                    "state": state,
                    "version": rng.randint(1, 8),
                    "created_at": created,
                    "updated_at": created + timedelta(days=rng.randint(0, 30)),
                    "lead_department_id": dept,
                    "deadline": deadline,
                    "yellow_from": (deadline - timedelta(days=1)) if deadline else None,
                    "handle_deadline": (created + timedelta(days=14)).date() if dept else None,
                    "sign_deadline": (created + timedelta(days=2)).date() if dept else None,
                    "dispatched_at": created + timedelta(hours=5) if dept else None,
                    "signed_at": created + timedelta(days=1) if dept and state != AppealState.DISPATCHED else None,
                    "closed_at": created + timedelta(days=rng.randint(3, 20)) if state == AppealState.CLOSED else None,
                    "finished_late": finished and rng.random() < 0.08,
                    "last_rating": rng.choice([5, 5, 4, 4, 3, 2]) if state == AppealState.CLOSED else None,
                }
            )
            yield (start_id + i, *[values.get(f.column) for f in fields]), dept, created

    return columns, gen(), per_year


def fill(rows: int, *, batch: int = 50_000) -> None:
    """COPY `rows` appeals and one lead assignment per dispatched appeal into the database."""
    from django.db import connection

    from yingshang.accounts.models import User
    from yingshang.appeals.models import Appeal, AppealNumberCounter, Assignment

    have = Appeal.objects.count()
    if have >= rows:
        print(f"已有 {have} 条诉求,跳过生成", flush=True)
        return
    office = User.objects.filter(username="bench_office_00").first()
    assert office is not None, "world() first"
    start = time.perf_counter()
    columns, gen, per_year = appeal_rows(rows, start_id=1)
    table = Appeal._meta.db_table
    a_table = Assignment._meta.db_table
    a_cols = [
        "appeal_id",
        "department_id",
        "role",
        "state",
        "dispatched_at",
        "dispatched_by_id",
        "sign_deadline",
        "signed_at",
        "returned_at",
        "return_reason",
    ]
    raw = connection.connection if connection.connection else None
    connection.ensure_connection()
    raw = connection.connection
    done = 0
    with raw.cursor() as cur:
        cur.execute(f"TRUNCATE {a_table}, {table} CASCADE")
        chunk: list[tuple[Any, ...]] = []
        assigns: list[tuple[Any, ...]] = []
        for row, dept, created in gen:
            chunk.append(row)
            if dept is not None:
                assigns.append(
                    (
                        row[0],
                        dept,
                        "lead",
                        "signed",
                        created + timedelta(hours=5),
                        office.pk,
                        (created + timedelta(days=2)).date(),
                        created + timedelta(days=1),
                        None,
                        "",
                    )
                )
            if len(chunk) >= batch:
                _copy(cur, table, columns, chunk)
                _copy(cur, a_table, a_cols, assigns)
                raw.commit()
                done += len(chunk)
                chunk, assigns = [], []
                print(f"  {done} 行,{time.perf_counter() - start:.0f} s", flush=True)
        if chunk:
            _copy(cur, table, columns, chunk)
            _copy(cur, a_table, a_cols, assigns)
            done += len(chunk)
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{a_table}', 'id'), (SELECT max(id) FROM {a_table}))")
        raw.commit()
    for year, n in per_year.items():
        AppealNumberCounter.objects.update_or_create(year=year, defaults={"last_number": n})
    elapsed = time.perf_counter() - start
    print(f"生成 {done} 条诉求用时 {elapsed:.0f} s({done / elapsed:.0f} 行/秒,COPY)", flush=True)
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(f"VACUUM ANALYZE {time.perf_counter() - t0:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="yingshang_bench_appeals")
    parser.add_argument("--rows", type=int, default=0)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    configure(args.db, fresh=args.fresh)
    world()
    if args.rows:
        fill(args.rows)


if __name__ == "__main__":
    main()
