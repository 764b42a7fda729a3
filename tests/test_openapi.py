"""The OpenAPI schema is pinned: an API change shows up as a diff of tests/openapi.json.

After an intended change, regenerate it with `make openapi` and commit the new file.
"""

from __future__ import annotations

import json
from pathlib import Path

from config.api import api

PINNED = Path(__file__).with_name("openapi.json")


def current_schema() -> dict:
    return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), ensure_ascii=False, default=str))


def test_openapi_schema_matches_the_pinned_copy():
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    assert current_schema() == pinned, "API 已变化:运行 make openapi 更新 tests/openapi.json 并提交"


def test_openapi_schema_and_docs_are_served_to_logged_in_users_without_any_cdn(client_as):
    from yingshang.accounts.roles import Role

    client = client_as(Role.DEPARTMENT_STAFF)
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "营商通 API"
    docs = client.get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()


def test_anonymous_visitors_are_sent_to_log_in_before_reading_the_api_docs(client, db):
    assert client.get("/api/v1/docs").status_code == 302
    assert client.get("/api/v1/openapi.json").status_code == 302
