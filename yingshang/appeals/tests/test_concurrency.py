"""Concurrent duplicates on PostgreSQL (SQLite serialises writers, so races cannot happen there): one appeal per
Idempotency-Key and per 12345 work order, numbers that never repeat, and no lost update between two editors."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from yingshang.accounts.tests.factories import DepartmentFactory
from yingshang.appeals.models import Appeal, Assignment, Channel, IdempotencyKey
from yingshang.appeals.services import appeal_dispatch, appeal_file
from yingshang.appeals.tests.factories import AppealCategoryFactory, enterprise_user, file_appeal, office_user
from yingshang.core.errors import ConflictError
from yingshang.enterprises.tests.factories import EnterpriseFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 8


def _race(work: Callable[[int], Any]) -> tuple[list[Any], list[BaseException]]:
    start = threading.Barrier(THREADS)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            start.wait()
            value = work(index)
            with lock:
                results.append(value)
        except BaseException as exc:  # reported by the main thread
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def test_concurrent_retries_with_one_idempotency_key_create_exactly_one_appeal():
    enterprise = EnterpriseFactory.create()
    user = enterprise_user(enterprise)
    category = AppealCategoryFactory.create()

    def post(_: int) -> Any:
        return appeal_file(
            by=user,
            category=category,
            title="用电增容",
            description="同一请求的重试",
            enterprise=enterprise,
            idempotency_key="retry-7f3a",
        )

    results, errors = _race(post)
    assert not errors, errors
    assert Appeal.objects.count() == 1
    assert {r.appeal.pk for r in results} == {Appeal.objects.get().pk}
    assert sum(r.created for r in results) == 1
    assert IdempotencyKey.objects.get().appeal_id == Appeal.objects.get().pk


def test_the_same_12345_work_order_arriving_at_once_creates_one_appeal():
    enterprise = EnterpriseFactory.create()
    staff = office_user()
    category = AppealCategoryFactory.create()

    def intake(_: int) -> Any:
        return appeal_file(
            by=staff,
            category=category,
            title="12345 转办",
            description="物流车辆通行证",
            enterprise=enterprise,
            channel=Channel.HOTLINE_12345,
            external_id="GD-2026-777",
        )

    results, errors = _race(intake)
    assert not errors, errors
    assert Appeal.objects.count() == 1
    assert sum(r.created for r in results) == 1


def test_concurrent_filers_never_share_a_number():
    enterprise = EnterpriseFactory.create()
    users = [enterprise_user(enterprise) for _ in range(THREADS)]
    category = AppealCategoryFactory.create()

    def many(index: int) -> list[str]:
        return [file_appeal(enterprise=enterprise, by=users[index], category=category).number for _ in range(5)]

    results, errors = _race(many)
    assert not errors, errors
    numbers = [n for batch in results for n in batch]
    assert len(numbers) == len(set(numbers)) == THREADS * 5
    assert Appeal.objects.values("number").distinct().count() == THREADS * 5


def test_two_editors_with_the_same_version_one_wins_one_gets_a_conflict():
    enterprise = EnterpriseFactory.create()
    appeal = file_appeal(enterprise=enterprise)
    version = appeal.version
    departments = [DepartmentFactory.create() for _ in range(THREADS)]
    office = office_user()

    def dispatch(index: int) -> Any:
        return appeal_dispatch(appeal=appeal, lead=departments[index], by=office, version=version)

    results, errors = _race(dispatch)
    assert len(results) == 1
    assert len(errors) == THREADS - 1 and all(isinstance(e, ConflictError) for e in errors)
    appeal.refresh_from_db()
    assert appeal.version == version + 1
    assert Assignment.objects.filter(appeal=appeal).count() == 1
    assert appeal.lead_department_id == Assignment.objects.get(appeal=appeal).department_id


def test_concurrent_retries_of_a_transition_with_one_key_dispatch_once_and_all_get_the_same_answer():
    from yingshang.appeals.idempotency import idempotent_call
    from yingshang.appeals.schemas import AppealOut

    enterprise = EnterpriseFactory.create()
    appeal = file_appeal(enterprise=enterprise)
    department = DepartmentFactory.create()
    office = office_user()

    def retry(_: int) -> Any:
        def work() -> tuple[int, dict[str, Any]]:
            done = appeal_dispatch(appeal=appeal, lead=department, by=office, version=appeal.version)
            return 200, AppealOut.of(done, user=office).model_dump(mode="json")

        return idempotent_call(scope=f"user:{office.pk}", key="dispatch-retry", request_hash="h", call=work)

    results, errors = _race(retry)
    assert not errors, errors
    assert {r.body["version"] for r in results} == {appeal.version + 1}
    assert sum(not r.replayed for r in results) == 1
    assert Assignment.objects.filter(appeal=appeal).count() == 1
