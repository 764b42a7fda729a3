"""Who may use each URL and API operation of 惠企政策; collected by tests/test_permission_walk.py.

See that file's docstring for the hooks (EXPECTED, API_EXPECTED, API_PUBLIC, API_QUERY, extend_world,
url_kwargs, api_path, api_body).
"""

from __future__ import annotations

EXPECTED: dict = {}
API_EXPECTED: dict = {}
