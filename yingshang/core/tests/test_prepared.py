"""Querysets compiled once (`core.prepared`) give what the ORM gives, for each value swapped in."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import FloatField, Value
from django.test.utils import CaptureQueriesContext

from yingshang.accounts.models import Department
from yingshang.accounts.tests.factories import DepartmentFactory
from yingshang.core.prepared import MARK, Prepared, as_bool, as_date, as_json

pytestmark = pytest.mark.django_db


def test_the_sql_is_built_once_and_run_with_each_value() -> None:
    first, second = DepartmentFactory.create(name="经信局"), DepartmentFactory.create(name="财政局")
    built: list[int] = []

    def build(pk: int) -> Any:
        built.append(pk)
        return Department.objects.filter(pk=pk, name__startswith="").values_list("name")

    names = Prepared(build)
    with CaptureQueriesContext(connection) as queries:
        assert names.rows(first.pk) == [("经信局",)]
        assert names.rows(second.pk) == [("财政局",)]
        assert names.rows(second.pk + 1000) == []
    assert built == [MARK]  # built once, with the marker
    assert len(queries) == 3  # through Django's cursor: logged and counted like any query
    assert all(str(MARK) not in q["sql"] for q in queries)


def test_a_query_without_the_marker_takes_no_value_and_a_query_with_it_needs_one() -> None:
    DepartmentFactory.create(name="经信局")
    every = Prepared(lambda _: Department.objects.filter(name="经信局").values_list("name"))
    assert every.rows() == [("经信局",)]
    with pytest.raises(ImproperlyConfigured):
        every.rows(1)
    one = Prepared(lambda pk: Department.objects.filter(pk=pk).values_list("name"))
    with pytest.raises(ImproperlyConfigured):
        one.rows()


def test_every_place_of_the_marker_is_swapped_and_one_changed_by_a_field_is_refused() -> None:
    first, second = DepartmentFactory.create(name="经信局"), DepartmentFactory.create(name="财政局")
    both = Prepared(lambda pk: Department.objects.filter(id__in=[pk, second.pk]).values_list("name"))
    assert sorted(both.rows(first.pk)) == sorted([("经信局",), ("财政局",)])
    assert both.rows(second.pk) == [("财政局",)]
    again = Prepared(lambda pk: Department.objects.filter(pk=pk).exclude(pk__gt=pk).values_list("name"))
    assert again.rows(second.pk) == [("财政局",)]
    # A field that turns the marker into another type (a float here) would leave it in the SQL unswapped.
    floated = Prepared(
        lambda pk: Department.objects.annotate(x=Value(pk, output_field=FloatField())).filter(pk=1).values_list("x")
    )
    with pytest.raises(ImproperlyConfigured):
        floated.rows(first.pk)


def test_raw_columns_become_python_values() -> None:
    assert as_date("2026-11-20") == dt.date(2026, 11, 20) == as_date(dt.date(2026, 11, 20))
    assert as_date(None) is None
    assert as_bool(0) is False and as_bool(1) is True and as_bool(None) is None and as_bool(True) is True
    assert as_json('{"a": [1, "二"]}') == {"a": [1, "二"]}
    assert as_json('"1200.5"') == "1200.5"
    assert as_json(True) is True


def test_rows_become_instances_whose_other_fields_load_on_access() -> None:
    department = DepartmentFactory.create(name="经信局", code="JXJ-9")
    one = Prepared(lambda pk: Department.objects.filter(pk=pk).values_list("id", "name"))
    [loaded] = one.instances(Department, ["id", "name"], department.pk)
    assert (loaded.pk, loaded.name, loaded._state.adding) == (department.pk, "经信局", False)
    with CaptureQueriesContext(connection) as queries:
        assert loaded.code == "JXJ-9"  # deferred, read when asked for
    assert len(queries) == 1
    with pytest.raises(ImproperlyConfigured):
        Prepared(lambda pk: Department.objects.filter(pk=pk).values_list("name", "id")).instances(
            Department, ["name", "id"], department.pk
        )
