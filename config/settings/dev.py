"""Embedded mode for `make run`: SQLite under var/, a local secret generated once, the demo district."""

from __future__ import annotations

import os
import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR, env_bool

DEBUG = env_bool("DEBUG", True)
VAR_DIR.mkdir(parents=True, exist_ok=True)

_secret_file = VAR_DIR / "secret_key"
if os.environ.get("SECRET_KEY"):
    SECRET_KEY = os.environ["SECRET_KEY"]
else:
    if not _secret_file.exists():
        _secret_file.write_text(secrets.token_urlsafe(50))
        _secret_file.chmod(0o600)
    SECRET_KEY = _secret_file.read_text().strip()

# The demo must be usable without an authenticator app; the login page says so. Production enforces it.
STAFF_2FA_REQUIRED = env_bool("STAFF_2FA_REQUIRED", False)
DISTRICT_NAME = os.environ.get("DISTRICT_NAME", "东宝区(演示)")
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
