"""Time the 台账 (ledger) with 1,000,000 appeals: the selector's queries and the whole page, as the office and as a
department. Prints a Markdown table and writes EXPLAIN ANALYZE of the page's two appeal queries (rows, 红黄绿 counts)
to var/bench/ledger_explain<label>.txt. The page opens on 在办 (open states), so the query cases time that view too;
the page takes its row total from the counts, so there is no separate count(*) to time.

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
    from django.test.utils import CaptureQueriesContext

    from yingshang.accounts.models import Department, User
    from yingshang.accounts.roles import Role
    from yingshang.appeals.models import Appeal
    from yingshang.appeals.selectors import LEDGER_ALL, LEDGER_OPEN, LedgerFilters, appeal_ledger, colour_counts

    office = User.objects.get(username="bench_office_00")
    dept = Department.objects.get(code="JXJ")
    staff, _ = User.objects.get_or_create(
        username="bench_dept_jxj", defaults={"role": Role.DEPARTMENT_STAFF, "department": dept}
    )
    total = Appeal.objects.count()
    # The page's default is 在办 (open states); 全部 has to be chosen.
    plain = LedgerFilters(state=LEDGER_OPEN)
    everything = LedgerFilters(state=LEDGER_ALL)
    cases: list[tuple[str, Any]] = []

    def query(user: Any, filters: LedgerFilters, part: str) -> Any:
        def run() -> None:
            qs = appeal_ledger(user=user, filters=filters)
            if part == "rows":
                list(qs[:50])
            else:
                colour_counts(appeal_ledger(user=user, filters=replace(filters, colour="")))

        return run

    cases += [
        ("营商办 在办:第1页 50 行", query(office, plain, "rows")),
        ("营商办 在办:红黄绿计数", query(office, plain, "colours")),
        ("部门 在办:第1页 50 行", query(staff, plain, "rows")),
        ("部门 在办:红黄绿计数", query(staff, plain, "colours")),
        ("营商办 全部(98 万):红黄绿计数", query(office, everything, "colours")),
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

    by_dept = f"/appeals/ledger/?department={dept.pk}&state=handling"
    cases += [
        ("整页 GET /appeals/ledger/(营商办)", page(client, "/appeals/ledger/")),
        ("整页 GET /appeals/ledger/?colour=red", page(client, "/appeals/ledger/?colour=red")),
        ("整页 ?department=经信局&state=handling", page(client, by_dept)),
        ("整页 GET /appeals/ledger/?page=200", page(client, "/appeals/ledger/?page=200")),
        ("整页 GET /appeals/ledger/(部门)", page(dept_client, "/appeals/ledger/")),
        ("整页 ?colour=red(部门)", page(dept_client, "/appeals/ledger/?colour=red")),
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
            ("colours", appeal_ledger(user=office, filters=plain)),
            ("dept rows", appeal_ledger(user=staff, filters=plain)[:50]),
            ("dept colours", appeal_ledger(user=staff, filters=plain)),
        ):
            sql, params = qs.query.sql_with_params()
            if name.endswith("colours"):
                # What colour_counts runs: capture its SQL rather than guess it.
                with CaptureQueriesContext(connection) as captured:
                    colour_counts(qs)
                sql, params = captured.captured_queries[-1]["sql"], None
            cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            fh.write(f"---- {name}\n" + "\n".join(r[0] for r in cur.fetchall()) + "\n\n")
    print(f"\n| 场景({total:,} 条诉求,PostgreSQL) | p50 (ms) | p95 (ms) |\n|---|---|---|")
    for label, p50, p95 in results:
        print(f"| {label} | {p50:.1f} | {p95:.1f} |")
    print(f"\nEXPLAIN ANALYZE → {out}")


if __name__ == "__main__":
    main()
