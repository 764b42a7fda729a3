"""The ceiling: raw PostgreSQL insert rate of the same appeal rows, with pgbench and a custom script.

    .venv/bin/python -m bench.appeals.pgbench --db yingshang_bench_appeals [--seconds 60] [--clients 4]

Writes two pgbench scripts to var/bench/ and runs each: (1) one appeal row per transaction (every column, same
indexes and constraints as the application's table), (2) what one filing writes at minimum in SQL — the numbering
UPDATE, the idempotency-key row, the appeal, its timeline event — in one transaction, without Django or HTTP.
Rows are removed afterwards.
"""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

from bench.appeals.setup import ROOT, configure

PREFIX = "PGB"


def scripts(out: Path) -> tuple[Path, Path, Path]:
    from yingshang.appeals.models import Appeal, AppealCategory

    category = AppealCategory.objects.filter(code__startswith="bench-").order_by("id").first()
    assert category is not None
    values = {
        "number": f"'{PREFIX}' || nextval('bench_pgbench_seq')",
        "enterprise_id": "NULL",
        "enterprise_name": "'基准测试企业有限公司'",
        "category_id": str(category.pk),
        "title": "'基准测试诉求 pgbench'",
        "description": "'厂房用电增容申请已提交一个月仍未办理,影响新产线投产。'",
        "channel": "'web'",
        "external_id": "''",
        "meeting_id": "NULL",
        "urgency": "'normal'",
        "confidential": "false",
        "contact_name": "'张经理'",
        "contact_phone": "'13907241234'",
        "address": "''",
        "state": "'submitted'",
        "version": "1",
        "created_at": "now()",
        "updated_at": "now()",
        "deadline": "current_date + 1",
        "yellow_from": "current_date",
    }
    columns, exprs = [], []
    for field in Appeal._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column in values:
            exprs.append(values[field.column])
        elif field.null:
            exprs.append("NULL")
        else:
            default = field.get_default()
            exprs.append("false" if default is False else "true" if default is True else str(default or 0))
    insert = f"INSERT INTO appeals_appeal ({', '.join(columns)}) VALUES ({', '.join(exprs)})"
    one = out / "pgbench_appeal_insert.sql"
    one.write_text(insert + ";\n")
    full = out / "pgbench_appeal_filing.sql"
    full.write_text(
        "BEGIN;\n"
        "UPDATE appeals_appealnumbercounter SET last_number = last_number + 1 WHERE year = 9999;\n"
        "INSERT INTO appeals_idempotencykey (scope, key, request_hash, response_status, response_body, created_at) "
        f"VALUES ('pgbench', '{PREFIX}' || nextval('bench_pgbench_seq'), repeat('0', 64), 201, '{{}}', now());\n"
        f"{insert} RETURNING id \\gset\n"
        "INSERT INTO appeals_appealevent (appeal_id, at, actor_id, actor_label, kind, title, note, from_state, "
        "to_state, internal, data) VALUES (:id, now(), NULL, '', 'filed', '提交诉求', '', '', 'submitted', false, '{}');\n"
        "COMMIT;\n"
    )
    # The proposed change: the number from a sequence (nextval never blocks and is never rolled back).
    seq = out / "pgbench_appeal_filing_sequence.sql"
    seq.write_text(
        full.read_text().replace(
            "UPDATE appeals_appealnumbercounter SET last_number = last_number + 1 WHERE year = 9999;",
            "SELECT nextval('bench_pgbench_number_9999');",
        )
    )
    return one, full, seq


def run(db: str, script: Path, seconds: int, clients: int) -> str:
    command = [
        "pgbench",
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-n",
        "-f",
        str(script),
        "-c",
        str(clients),
        "-j",
        str(min(clients, 2)),
        "-T",
        str(seconds),
        "-r",
        "--progress=10",
        db,
    ]
    print("$", " ".join(command), flush=True)
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    print(result.stdout, flush=True)
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="yingshang_bench_appeals")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    configure(args.db)
    from django.db import connection

    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    with connection.cursor() as cur:
        cur.execute("CREATE SEQUENCE IF NOT EXISTS bench_pgbench_seq")
        cur.execute("CREATE SEQUENCE IF NOT EXISTS bench_pgbench_number_9999")
        cur.execute(
            "INSERT INTO appeals_appealnumbercounter (year, last_number) VALUES (9999, 0) ON CONFLICT DO NOTHING"
        )
    one, full, seq = scripts(out)
    figures = []
    for label, script in (
        ("单行 INSERT(每事务一行)", one),
        ("最小登记事务(编号计数行+幂等键+诉求+事件)", full),
        ("同上,编号改用 SEQUENCE", seq),
    ):
        text = run(args.db, script, args.seconds, args.clients)
        tps = re.search(r"tps = ([\d.]+)", text)
        latency = re.search(r"latency average = ([\d.]+) ms", text)
        figures.append((label, float(tps.group(1)) if tps else 0.0, float(latency.group(1)) if latency else 0.0))
    with connection.cursor() as cur:
        cur.execute(
            f"DELETE FROM appeals_appealevent WHERE appeal_id IN (SELECT id FROM appeals_appeal WHERE number LIKE '{PREFIX}%')"
        )
        cur.execute(f"DELETE FROM appeals_appeal WHERE number LIKE '{PREFIX}%'")
        cur.execute("DELETE FROM appeals_idempotencykey WHERE scope = 'pgbench'")
        cur.execute("DELETE FROM appeals_appealnumbercounter WHERE year = 9999")
    print(f"| pgbench 脚本({args.clients} 个连接,{args.seconds} s) | 事务/秒 | 平均延迟 (ms) |\n|---|---|---|")
    for label, tps, latency in figures:
        print(f"| {label} | {tps:.0f} | {latency:.2f} |")


if __name__ == "__main__":
    main()
