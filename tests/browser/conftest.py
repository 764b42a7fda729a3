"""Playwright driving Debian's chromium (never a downloaded browser), headless, against the live test server."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between steps are still
# synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _chromium_missing() -> bool:
    return not os.path.exists(CHROMIUM)


@pytest.fixture(scope="session")
def _playwright() -> Iterator[Any]:
    if _chromium_missing():
        if os.environ.get("CI"):
            pytest.fail("CI 需要 Debian chromium(make test 会用 apt-get 安装)")
        pytest.skip("未安装 chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture
def page(_playwright: Any, live_server: Any) -> Iterator[Any]:
    user_data = tempfile.mkdtemp(prefix="ys-chromium-")
    context = _playwright.chromium.launch_persistent_context(
        user_data,
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        locale="zh-CN",
        viewport={"width": 1400, "height": 900},
        base_url=live_server.url,
    )
    context.set_default_timeout(15_000)
    page = context.pages[0] if context.pages else context.new_page()
    try:
        yield page
    finally:
        context.close()
        shutil.rmtree(user_data, ignore_errors=True)


def log_in(page: Any, username: str, device: Any = None) -> None:
    """Log in through the real login page; staff type the current code of their TOTP device. A code is accepted
    once, so a second login within the same 30-second step waits for the next one."""
    from django_otp.oath import totp

    from yingshang.accounts.tests.factories import DEFAULT_PASSWORD

    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    if device is not None:
        page.wait_for_url(lambda url: "/accounts/otp/" in url)
        device.refresh_from_db()
        while int((time.time() - device.t0) // device.step) <= device.last_t:
            time.sleep(1)
        token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        page.fill("input[name=token]", f"{token:06d}")
        page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/" not in url)
