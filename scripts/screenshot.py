"""Take the README screenshot of the enterprise list from a running `make run` server.

Usage: .venv/bin/python scripts/screenshot.py [http://127.0.0.1:8000] [docs/images/enterprise-list.png]
Needs Debian's chromium (and fonts-noto-cjk for Chinese glyphs).
"""

from __future__ import annotations

import sys
import tempfile

from playwright.sync_api import sync_playwright

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
out = sys.argv[2] if len(sys.argv) > 2 else "docs/images/enterprise-list.png"

with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
    context = pw.chromium.launch_persistent_context(
        profile,
        executable_path="/usr/bin/chromium",
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
        viewport={"width": 1440, "height": 900},
        locale="zh-CN",
    )
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "yingshangban")
    page.fill("input[name=password]", "Demo@2026yst")
    page.click("button[type=submit]")
    page.goto(f"{base}/enterprises/")
    page.wait_for_selector("[data-testid=enterprise-row]")
    page.screenshot(path=out, full_page=False)
    context.close()
print(f"已保存 {out}")
