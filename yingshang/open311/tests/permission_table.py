"""Who may use each Open311 URL; collected by tests/test_permission_walk.py (see its docstring for the hooks)."""

from __future__ import annotations

EXPECTED: dict = {}
API_EXPECTED: dict = {}
