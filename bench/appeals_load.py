"""Load test of 企业诉求: gunicorn + PostgreSQL on this machine, driven by locust, then an exactly-once count.

Usage:  .venv/bin/python bench/appeals_load.py [--duration 300] [--users 210] [--rate 1.0] [--workers 5]

1. Builds/updates the benchmark database `yingshang_bench_appeals` (bench/appeals/setup.py: the demo district's
   200 enterprises and departments, nine categories, 200 enterprise users, 5 office staff).
2. Signs every benchmark user in (a server-side session each, as after a login) and hands the cookies to locust.
3. Starts gunicorn (config.wsgi, DEBUG off, persistent DB connections) and locust in a throw-away virtualenv under
   /tmp (created on first use; locust is never a project dependency).
4. Runs bench/appeals/locustfile.py headless: enterprises file appeals (POST /api/v1/appeals with an Idempotency-Key,
   10 % of them retried with the same key) and read their own appeals; office staff list the 台账.
5. Counts: every acknowledged (2xx) filing must be stored exactly once — one appeal per key, the retries answered
   with the same appeal, no appeal of the run without its key.
Prints the figures for docs/benchmarks.md; raw locust CSVs are in var/bench/.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.appeals.setup import bench_env, configure, world  # noqa: E402

LOCUST_VENV = Path(os.environ.get("BENCH_LOCUST_VENV", "/tmp/ys-bench-locust"))
OUT = ROOT / "var" / "bench"
PORT = int(os.environ.get("BENCH_PORT", "8311"))


def locust_bin() -> Path:
    binary = LOCUST_VENV / "bin" / "locust"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(LOCUST_VENV)], check=True)
        subprocess.run([str(LOCUST_VENV / "bin" / "pip"), "install", "-q", "locust"], check=True)
    return binary


def sessions() -> dict:
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    from yingshang.accounts.models import User
    from yingshang.appeals.models import AppealCategory

    def signed_in(user: User) -> dict:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return {"sessionid": client.cookies["sessionid"].value, "csrftoken": _get_new_csrf_string()}

    return {
        "enterprise": [signed_in(u) for u in User.objects.filter(username__startswith="bench_ent_").order_by("id")],
        "office": [signed_in(u) for u in User.objects.filter(username__startswith="bench_office_").order_by("id")],
        "categories": list(AppealCategory.objects.filter(code__startswith="bench-").values_list("id", flat=True)),
    }


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer {url}")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes (Linux /proc), to express the cost of a request in CPU milliseconds —
    a figure that holds even when other work shares the machine."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def db_backends(db: str) -> list[int]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend' "
            "AND pid <> pg_backend_pid()",
            [db],
        )
        return [row[0] for row in cur.fetchall()]


def stats_rows(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv") as fh:
        return list(csv.DictReader(fh))


def exactly_once(tag: str, ack_file: Path) -> dict:
    from django.db import connection

    acks: dict[str, set[str]] = {}
    answers = 0
    for line in ack_file.read_text().splitlines():
        key, appeal_id, _number, _status = line.split("\t")
        acks.setdefault(key, set()).add(appeal_id)
        answers += 1
    with connection.cursor() as cur:
        cur.execute("SELECT k.key, k.appeal_id FROM appeals_idempotencykey k WHERE k.key LIKE %s", [f"{tag}-%"])
        stored = {key: str(appeal_id) for key, appeal_id in cur.fetchall()}
        # Independently of the key table: the run's appeals by title (each title carries its key).
        cur.execute(
            "SELECT count(*), count(DISTINCT title) FROM appeals_appeal WHERE title LIKE %s",
            [f"基准测试诉求 {tag}-%"],
        )
        titled, distinct_titles = cur.fetchone()
        cur.execute(
            "SELECT count(*) FROM appeals_appeal a JOIN appeals_idempotencykey k ON k.appeal_id = a.id "
            "WHERE k.key LIKE %s",
            [f"{tag}-%"],
        )
        appeals_of_run = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM (SELECT appeal_id FROM appeals_idempotencykey WHERE key LIKE %s "
            "GROUP BY appeal_id HAVING count(*) > 1) d",
            [f"{tag}-%"],
        )
        shared = cur.fetchone()[0]
    ambiguous = [k for k, ids in acks.items() if len(ids) != 1]
    missing = [k for k, ids in acks.items() if stored.get(k) not in ids]
    return {
        "acknowledged_answers": answers,
        "acknowledged_keys": len(acks),
        "distinct_acknowledged_appeals": len({i for ids in acks.values() for i in ids}),
        "keys_answered_with_two_appeals": len(ambiguous),
        "acknowledged_but_not_stored": len(missing),
        "stored_keys_of_run": len(stored),
        "stored_appeals_of_run": appeals_of_run,
        "appeals_shared_by_two_keys": shared,
        "stored_but_never_acknowledged": len(set(stored) - set(acks)),
        "appeals_with_run_title": titled,
        "duplicate_titles": titled - distinct_titles,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="yingshang_bench_appeals")
    parser.add_argument("--duration", type=int, default=300)
    parser.add_argument("--users", type=int, default=210)
    parser.add_argument("--spawn-rate", type=int, default=50)
    parser.add_argument("--rate", type=float, default=1.0, help="filings per second per enterprise user")
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--retry-share", type=float, default=0.1)
    args = parser.parse_args()

    configure(args.db)
    world()
    OUT.mkdir(parents=True, exist_ok=True)
    tag = f"b{uuid.uuid4().hex[:8]}"
    session_file = OUT / f"sessions-{tag}.json"
    session_file.write_text(json.dumps(sessions()))
    ack_file = OUT / f"acks-{tag}.tsv"
    ack_file.write_text("")
    env = {**os.environ, **bench_env(args.db)}
    gunicorn = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            f"--bind=127.0.0.1:{PORT}",
            f"--workers={args.workers}",
            f"--worker-class={args.worker_class}",
            f"--threads={args.threads}",
            "--timeout=60",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_ready(f"http://127.0.0.1:{PORT}/healthz")
        prefix = OUT / f"appeals_load-{tag}"
        locust_env = {
            **os.environ,
            "BENCH_SESSIONS": str(session_file),
            "BENCH_ACK_FILE": str(ack_file),
            "BENCH_RUN_TAG": tag,
            "BENCH_FILE_RATE_PER_USER": str(args.rate),
            "BENCH_RETRY_SHARE": str(args.retry_share),
        }
        command = [
            str(locust_bin()),
            "-f",
            str(ROOT / "bench" / "appeals" / "locustfile.py"),
            "--headless",
            f"--users={args.users}",
            f"--spawn-rate={args.spawn_rate}",
            f"--run-time={args.duration}s",
            f"--host=http://127.0.0.1:{PORT}",
            f"--csv={prefix}",
            "--only-summary",
        ]
        print("$", " ".join(command), flush=True)
        workers = children(gunicorn.pid)
        web_cpu_before = cpu_seconds(workers)
        started = time.time()
        load = subprocess.Popen(command, env=locust_env)
        load_pid = load.pid
        locust_cpu = 0.0
        while load.poll() is None:
            locust_cpu = max(locust_cpu, cpu_seconds([load_pid]))
            time.sleep(1)
        elapsed = time.time() - started
        web_cpu = cpu_seconds(workers) - web_cpu_before
        db_cpu = cpu_seconds(db_backends(args.db))
        loadavg = os.getloadavg()
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)

    rows = stats_rows(prefix)
    print(f"\n运行 {elapsed:.0f} s,标签 {tag}")
    print(
        "| 请求 | 次数 | 失败 | 每秒 | p50 (ms) | p95 (ms) | p99 (ms) | 最大 (ms) |\n|---|---|---|---|---|---|---|---|"
    )
    for row in rows:
        print(
            f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | {float(row['Requests/s']):.1f} | "
            f"{row['50%']} | {row['95%']} | {row['99%']} | {float(row['Max Response Time']):.0f} |"
        )
    total_requests = sum(int(r["Request Count"]) for r in rows if r["Name"] == "Aggregated")
    print(
        f"\nCPU:gunicorn 进程 {web_cpu:.1f} s,PostgreSQL 后端 {db_cpu:.1f} s,locust {locust_cpu:.1f} s;"
        f"每个请求 {1000 * (web_cpu + db_cpu) / max(1, total_requests):.1f} ms CPU(web+db);"
        f"结束时负载 {loadavg[0]:.1f} / {loadavg[1]:.1f} / {loadavg[2]:.1f}"
    )
    counts = exactly_once(tag, ack_file)
    print("\n" + json.dumps(counts, ensure_ascii=False, indent=1))
    filed = counts["distinct_acknowledged_appeals"]
    print(f"\n确认登记的诉求 {filed} 条,约 {filed / args.duration:.1f} 条/秒(按 {args.duration} s 计)")
    ok = (
        counts["keys_answered_with_two_appeals"] == 0
        and counts["acknowledged_but_not_stored"] == 0
        and counts["appeals_shared_by_two_keys"] == 0
        and counts["stored_appeals_of_run"] == counts["stored_keys_of_run"] == counts["appeals_with_run_title"]
        and counts["duplicate_titles"] == 0
    )
    print("恰好一次:" + ("通过" if ok else "未通过"))
    session_file.unlink()


if __name__ == "__main__":
    main()
