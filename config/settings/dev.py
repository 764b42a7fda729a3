"""Embedded mode for `make run`: SQLite under var/, a local secret generated once, the demo district."""

from __future__ import annotations

import os
import secrets
import tempfile

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


def _local_secret(name: str) -> str:
    """A random value generated once under var/, readable by its owner only.

    Written to a private temporary file and linked into place, so the file never exists with other permissions or
    half-written, and two processes starting together agree on one value.
    """
    path = VAR_DIR / name
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=VAR_DIR, prefix=f".{name}.")  # mode 600
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY") or _local_secret("audit_hmac_key")

# The demo must be usable without an authenticator app; the login page says so. Production enforces it.
STAFF_2FA_REQUIRED = env_bool("STAFF_2FA_REQUIRED", False)
DISTRICT_NAME = os.environ.get("DISTRICT_NAME", "东宝区(演示)")
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
