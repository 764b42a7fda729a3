"""Concurrent duplicates from one key: the same external id posted at once files one appeal (PostgreSQL only:
SQLite serialises writers, so there is no race to test there)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from yingshang.appeals.models import Appeal
from yingshang.appeals.tests.factories import AppealCategoryFactory
from yingshang.open311.models import Submission
from yingshang.open311.services import api_key_create

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"),
]


@pytest.mark.parametrize("same_idempotency_key", [True, False])
def test_simultaneous_posts_of_one_work_order_file_one_appeal(same_idempotency_key: bool) -> None:
    AppealCategoryFactory.create(code="ydyn", name="用地用能")
    _, raw = api_key_create(name="省12345平台", by=None)
    barrier = threading.Barrier(6)
    answers: list[Any] = []

    def post(index: int) -> None:
        try:
            barrier.wait()
            headers = {"Idempotency-Key": "same" if same_idempotency_key else f"k{index}"}
            response = Client().post(
                "/open311/v2/requests.json",
                {
                    "api_key": raw,
                    "service_code": "ydyn",
                    "description": "新建产线需要用电增容",
                    "attribute[enterprise_name]": "荆门新能源电池有限公司",
                    "attribute[external_id]": "WO-RACE-1",
                },
                headers=headers,
            )
            answers.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 6  # no thread died without answering
    assert Appeal.objects.count() == 1
    assert Submission.objects.count() == 1
    number = Appeal.objects.get().number
    # Every caller either got the one appeal back or was told to retry (409: the first is still being written).
    assert all((status == 200 and body[0]["service_request_id"] == number) or status == 409 for status, body in answers)
    assert any(status == 200 for status, _ in answers)
