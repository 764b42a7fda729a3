"""Production settings pass Django's deployment checklist and refuse to start without a real secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "k" * 20 + "-Zx9!q" + "p" * 30
AUDIT_HMAC_KEY = "a" * 16 + "-audit-key-" + "b" * 16


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "AUDIT_HMAC_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "SECRET_KEY": SECRET_KEY,
            "AUDIT_HMAC_KEY": AUDIT_HMAC_KEY,
            "ALLOWED_HOSTS": "yst.example.gov.cn",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", env={"DJANGO_SETTINGS_MODULE": "config.settings.prod"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_an_audit_key():
    result = _manage("check", env={"DJANGO_SETTINGS_MODULE": "config.settings.prod", "SECRET_KEY": SECRET_KEY})
    assert result.returncode != 0
    assert "AUDIT_HMAC_KEY" in result.stderr


def test_production_refuses_a_short_audit_key():
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.prod", "SECRET_KEY": SECRET_KEY, "AUDIT_HMAC_KEY": "x" * 31}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "AUDIT_HMAC_KEY" in result.stderr
