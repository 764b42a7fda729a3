"""The indexes the load benchmark asked for exist in the real database (SQLite and PostgreSQL), with the right
columns, order and, for the live-assignment index, only the pending/signed rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Model

from yingshang.appeals.models import Appeal, Assignment

pytestmark = pytest.mark.django_db


def _index_sql(name: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [name])
        row = cursor.fetchone()
    assert row is not None, f"index {name} is missing"
    return str(row[0]).lower()


def _constraints(model: type[Model]) -> dict[str, Any]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, model._meta.db_table)


def test_the_ledger_order_and_colour_indexes_exist():
    found = _constraints(Appeal)
    assert found["appeal_created_desc"]["columns"] == ["created_at", "id"]
    assert found["appeal_created_desc"]["orders"] == ["DESC", "DESC"]
    assert found["appeal_colour_cover"]["columns"] == ["state", "finished_late", "deadline", "yellow_from"]


def test_the_live_assignment_index_covers_only_pending_and_signed_rows():
    found = _constraints(Assignment)
    assert found["assignment_dept_live"]["columns"] == ["department_id", "appeal_id"]
    sql = _index_sql("assignment_dept_live")
    assert "where" in sql and "'pending'" in sql and "'signed'" in sql
    assert "'returned'" not in sql and "'withdrawn'" not in sql
