"""Time the 台账 (ledger) with 1,000,000 appeals: the selector's queries and the whole page, as the office and as a
department. Prints a Markdown table and writes EXPLAIN ANALYZE of the slowest queries to var/bench/ledger_explain.txt.

    .venv/bin/python -m bench.appeals.setup --db yingshang_bench_appeals_1m --rows 1000000   # once (~7 min)
    .venv/bin/python -m bench.appeals.ledger --db yingshang_bench_appeals_1m [--repeat 30]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from bench.appeals.setup import ROOT, configure


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def timed(fn: Any, repeat: int) -> tuple[float, float]:
    fn()  # warm the caches once, as a live server would be
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs), percentile(runs, 0.95)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="yingshang_bench_appeals_1m")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    configure(args.db)

    from dataclasses import replace

    from django.db import connection
    from django.test import Client

    from yingshang.accounts.models import Department, User
    from yingshang.accounts.roles import Role
    from yingshang.appeals.models import OPEN_STATES, Appeal
    from yingshang.appeals.selectors import LedgerFilters, appeal_ledger, colour_counts

    office = User.objects.get(username="bench_office_00")
    dept = Department.objects.get(code="JXJ")
    staff, _ = User.objects.get_or_create(
        username="bench_dept_jxj", defaults={"role": Role.DEPARTMENT_STAFF, "department": dept}
    )
    total = Appeal.objects.count()
    plain = LedgerFilters()
    cases: list[tuple[str, Any]] = []

    def page_and_counts(user: Any, filters: LedgerFilters) -> Any:
        def run() -> None:
            qs = appeal_ledger(user=user, filters=filters)
            list(qs[:50])
            qs.count()
            colour_counts(appeal_ledger(user=user, filters=replace(filters, colour="")))

        return run

    def query(user: Any, filters: LedgerFilters, part: str) -> Any:
        def run() -> None:
            qs = appeal_ledger(user=user, filters=filters)
            if part == "rows":
                list(qs[:50])
            elif part == "count":
                qs.count()
            else:
                colour_counts(appeal_ledger(user=user, filters=replace(filters, colour="")))

        return run

    def open_only(user: Any) -> Any:
        """The proposed default view: appeals still on the clock (在办), with their 红黄绿 split."""

        def run() -> None:
            qs = appeal_ledger(user=user, filters=plain).filter(state__in=OPEN_STATES)
            list(qs[:50])
            qs.count()
            colour_counts(qs)

        return run

    cases += [
        ("营商办:第1页 50 行", query(office, plain, "rows")),
        ("营商办:总数 count(*)", query(office, plain, "count")),
        ("营商办:红黄绿计数", query(office, plain, "colours")),
        ("营商办:台账查询合计(行+总数+红黄绿)", page_and_counts(office, plain)),
        ("营商办:筛选 红灯", page_and_counts(office, LedgerFilters(colour="red"))),
        ("营商办:筛选 部门+办理中", page_and_counts(office, LedgerFilters(department_id=dept.pk, state="handling"))),
        ("部门工作人员:本部门台账", page_and_counts(staff, plain)),
        ("建议:营商办 在办诉求(行+总数+红黄绿)", open_only(office)),
        ("建议:部门 在办诉求(行+总数+红黄绿)", open_only(staff)),
    ]
    client = Client()
    client.force_login(office, backend="django.contrib.auth.backends.ModelBackend")
    dept_client = Client()
    dept_client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")

    def page(c: Client, url: str) -> Any:
        def run() -> None:
            response = c.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return run

    cases += [
        ("整页 GET /appeals/ledger/(营商办)", page(client, "/appeals/ledger/")),
        ("整页 GET /appeals/ledger/?colour=red", page(client, "/appeals/ledger/?colour=red")),
        ("整页 GET /appeals/ledger/?page=200", page(client, "/appeals/ledger/?page=200")),
        ("整页 GET /appeals/ledger/(部门)", page(dept_client, "/appeals/ledger/")),
    ]
    results = []
    for label, fn in cases:
        p50, p95 = timed(fn, args.repeat)
        results.append((label, p50, p95))
        print(f"{label:<40} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms", flush=True)

    out = Path(ROOT / "var" / "bench" / f"ledger_explain{args.label}.txt")
    out.parent.mkdir(parents=True, exist_ok=True)
    with connection.cursor() as cur, out.open("w") as fh:
        for name, qs in (
            ("rows", appeal_ledger(user=office, filters=plain)[:50]),
            ("count", appeal_ledger(user=office, filters=plain)),
            ("colours", appeal_ledger(user=office, filters=plain).order_by().values("colour")),
            ("dept rows", appeal_ledger(user=staff, filters=plain)[:50]),
        ):
            sql, params = qs.query.sql_with_params()
            if name == "count":
                sql = f"SELECT count(*) FROM ({sql}) t"
            if name == "colours":
                sql = f"SELECT colour, count(*) FROM ({sql}) t GROUP BY colour"
            cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            fh.write(f"---- {name}\n" + "\n".join(r[0] for r in cur.fetchall()) + "\n\n")
    print(f"\n| 场景({total:,} 条诉求,PostgreSQL) | p50 (ms) | p95 (ms) |\n|---|---|---|")
    for label, p50, p95 in results:
        print(f"| {label} | {p50:.1f} | {p95:.1f} |")
    print(f"\nEXPLAIN ANALYZE → {out}")


if __name__ == "__main__":
    main()
