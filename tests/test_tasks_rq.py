"""With TASKS_BACKEND=rq the same code enqueues to Redis and an RQ worker runs it.

Runs the platform in subprocesses (its own SQLite file, Redis database 14): a notification with SMS is queued, an
`rqworker --burst` delivers it, and the outbox row ends up stored. Skipped when no Redis answers, except on CI.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _run(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_an_sms_is_delivered_by_an_rq_worker(tmp_path):
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("CI 上应有 Redis(127.0.0.1:6379)")
        pytest.skip("没有可用的 Redis")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "YS_VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'rq.sqlite3'}",
            "TASKS_BACKEND": "rq",
            "REDIS_URL": REDIS_URL,
        }
    )
    _run(["manage.py", "migrate", "-v0"], env)
    enqueue = """
from django.db import transaction
from yingshang.accounts.models import User
from yingshang.core.models import OutboxMessage
from yingshang.core.notifications import notify
user = User.objects.create(username="rq_user", role="coordinator", phone="13800000000")
with transaction.atomic():
    notify(recipients=[user], title="测试短信", body="通过 RQ 发送", sms=True)
print("status-before", OutboxMessage.objects.get().status)
"""
    before = _run(["manage.py", "shell"], env, stdin=enqueue)
    assert "status-before pending" in before.stdout
    assert redis.Redis.from_url(REDIS_URL).llen("rq:queue:default") == 1

    _run(["manage.py", "rqworker", "default", "--burst", "--job-class", "django_tasks_rq.Job"], env)
    after = _run(
        [
            "manage.py",
            "shell",
            "-c",
            "from yingshang.core.models import OutboxMessage; print('status-after', OutboxMessage.objects.get().status)",
        ],
        env,
    )
    assert "status-after stored" in after.stdout
