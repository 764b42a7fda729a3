"""Where the audit key comes from: a file generated once in the embedded mode, the environment in production."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PRINT_KEY = "from django.conf import settings; print(settings.AUDIT_HMAC_KEY)"


def _run_dev(var_dir: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "AUDIT_HMAC_KEY", "SECRET_KEY", "DATABASE_URL"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.dev", "YS_VAR_DIR": str(var_dir), **extra})
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "--no-imports", "-v", "0", "-c", PRINT_KEY],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_the_embedded_mode_generates_a_private_key_once(tmp_path):
    first = _run_dev(tmp_path).stdout.strip()
    second = _run_dev(tmp_path).stdout.strip()

    key_file = tmp_path / "audit_hmac_key"
    assert len(first) >= 32
    assert first == second == key_file.read_text().strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".audit_hmac_key")]  # no temporary file left


def test_the_embedded_mode_takes_the_key_from_the_environment_when_given(tmp_path):
    key = "e" * 40
    assert _run_dev(tmp_path, AUDIT_HMAC_KEY=key).stdout.strip() == key
    assert not (tmp_path / "audit_hmac_key").exists()
