"""Benchmark: the enterprise list (页面 /enterprises/) with 1,000,000 enterprises.

Usage:  .venv/bin/python bench/enterprise_list.py [--db sqlite|postgres] [--rows 1000000] [--repeat 20]

Builds a separate benchmark database (var/bench.sqlite3, or the PostgreSQL database `yingshang_bench`), fills it
with enterprises of realistic shape (townships, parks, chains, qualifications), then times full page renders through
Django's test client as the 营商办 coordinator: first page, filters, searches and a deep page. Prints a Markdown
table for docs/benchmarks.md. Peak memory of the process is reported too (the list never loads all rows).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure(db: str) -> None:
    if db == "postgres":
        import psycopg

        admin = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname='yingshang_bench'").fetchone()
            if not exists:
                conn.execute("CREATE DATABASE yingshang_bench")
        os.environ["DATABASE_URL"] = admin.rsplit("/", 1)[0] + "/yingshang_bench"
    else:
        (ROOT / "var").mkdir(exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["DEBUG"] = "false"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["STAFF_2FA_REQUIRED"] = "false"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(rows: int) -> None:
    import random

    from django.db import connection, transaction

    from yingshang.demo.services import demo_load
    from yingshang.enterprises.models import Enterprise, IndustryChain, Park, Qualification, Township

    demo_load(enterprise_count=1)
    have = Enterprise.objects.count()
    if have >= rows:
        print(f"已有 {have} 家企业,跳过生成")
        return
    townships = list(Township.objects.values_list("id", flat=True))
    parks = list(Park.objects.values_list("id", flat=True))
    chains = list(IndustryChain.objects.values_list("id", flat=True))
    quals = list(Qualification.objects.values_list("id", flat=True))
    rng = random.Random(1)
    words = "协进宏图恒泰楚天荆楚漳河龙泉鑫源华昌瑞丰金象长兴天和鼎盛凯达明远正邦汉江同创博大中晟佳禾锦程兴业亿达"
    kinds = ["机械", "电子", "食品", "化工", "医药", "锂能", "包装", "电气", "新材料", "科技"]
    start = time.perf_counter()
    batch = 20_000
    ent_table = Enterprise._meta.db_table
    chain_table = Enterprise.industry_chains.through._meta.db_table
    qual_table = "enterprises_enterprisequalification"
    cols = (
        "uscc, name, name_initials, legal_representative, registered_address, township_id, park_id, "
        "industry_code, industry_name, scale, four_up_category, employees, annual_revenue, "
        "is_dishonest_executee, is_abnormal_operation, contact_person, contact_phone, created_at, updated_at, version"
    )
    placeholders = ", ".join(["%s"] * 20)
    next_id = have
    while next_id < rows:
        n = min(batch, rows - next_id)
        now = "2026-11-22 00:00:00+00"
        values = []
        for i in range(next_id, next_id + n):
            w1, w2 = rng.choice(words), rng.choice(words)
            kind = rng.choice(kinds)
            values.append(
                (
                    f"B{i:017d}",
                    f"荆门{w1}{w2}{kind}有限公司{i}",
                    f"JM{i}",
                    "张三",
                    "荆门市东宝区",
                    rng.choice(townships),
                    rng.choice(parks) if rng.random() < 0.6 else None,
                    "3489",
                    "其他通用零部件制造",
                    "above" if rng.random() < 0.3 else "below",
                    "",
                    rng.randint(5, 900),
                    rng.randint(100, 90000),
                    False,
                    False,
                    "李四",
                    "13912345678",
                    now,
                    now,
                    1,
                )
            )
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(f"INSERT INTO {ent_table} ({cols}) VALUES ({placeholders})", values)
            cur.execute(
                f"SELECT id FROM {ent_table} WHERE uscc >= %s AND uscc < %s",
                [f"B{next_id:017d}", f"B{next_id + n:017d}"],
            )
            ids = [r[0] for r in cur.fetchall()]
            cur.executemany(
                f"INSERT INTO {chain_table} (enterprise_id, industrychain_id) VALUES (%s, %s)",
                [(eid, rng.choice(chains)) for eid in ids],
            )
            cur.executemany(
                f"INSERT INTO {qual_table} (enterprise_id, qualification_id, source) VALUES (%s, %s, %s)",
                [(eid, rng.choice(quals), "bench") for eid in ids if rng.random() < 0.2],
            )
        next_id += n
        if next_id % 100_000 == 0:
            print(f"  {next_id} 行,{time.perf_counter() - start:.0f} s", flush=True)
    if connection.vendor == "postgresql":
        # What autovacuum does on a live server: statistics for the planner and the visibility map for index-only scans.
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    print(f"生成 {rows - have} 家企业用时 {time.perf_counter() - start:.0f} s")


def measure(repeat: int) -> list[tuple[str, float, float]]:
    from django.db import connection
    from django.test import Client

    from yingshang.accounts.models import User
    from yingshang.enterprises.models import IndustryChain, Township

    user = User.objects.get(username="yingshangban")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    township = Township.objects.order_by("id").first()
    chain = IndustryChain.objects.order_by("id").first()
    cases = [
        ("第1页(无筛选)", "/enterprises/"),
        ("按乡镇筛选", f"/enterprises/?township={township.pk}"),
        ("规上 + 产业链", f"/enterprises/?scale=above&chain={chain.pk}"),
        ("名称关键词搜索", "/enterprises/?q=%E5%8D%8F%E8%BF%9B%E5%AE%8F%E5%9B%BE"),
        ("统一社会信用代码前缀", "/enterprises/?q=B0000000000012345"),
        ("第1000页", "/enterprises/?page=1000"),
    ]
    results = []
    for label, url in cases:
        timings = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        timings.sort()
        p50 = statistics.median(timings)
        p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
        results.append((label, p50, p95))
        print(f"{label:<24} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms", flush=True)
    print(f"数据库: {connection.vendor}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    configure(args.db)
    fill(args.rows)
    results = measure(args.repeat)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print(f"| 场景 ({args.db}, {args.rows:,} 家企业) | p50 (ms) | p95 (ms) |")
    print("|---|---|---|")
    for label, p50, p95 in results:
        print(f"| {label} | {p50:.1f} | {p95:.1f} |")
    print(f"\n进程峰值内存 {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
