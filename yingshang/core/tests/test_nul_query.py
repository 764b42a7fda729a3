"""A NUL character in a query parameter gets a Chinese 400, never a 500 from the database (found by the API fuzz
test on PostgreSQL: GET /api/v1/enterprises/?q=%00)."""

from __future__ import annotations

import pytest

from yingshang.accounts.roles import Role
from yingshang.core.middleware import NUL_MESSAGE

pytestmark = pytest.mark.django_db


def test_api_search_with_a_nul_gets_400_in_chinese(client_as):
    client = client_as(Role.COORDINATOR)
    response = client.get("/api/v1/enterprises/?q=%E7%94%B5%00%E6%B1%A0")
    assert response.status_code == 400
    assert response.json() == {"detail": NUL_MESSAGE}
    assert client.get("/api/v1/enterprises/?q=%E7%94%B5%E6%B1%A0").status_code == 200


def test_a_page_with_a_nul_in_a_parameter_gets_400(client_as):
    client = client_as(Role.COORDINATOR)
    response = client.get("/enterprises/?q=a%00b")
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()
