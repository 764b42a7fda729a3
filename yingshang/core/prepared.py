"""Querysets compiled to SQL once and run many times, for the few reads that run on every request of a hot page.

Building and compiling a queryset costs Django 0.5–1.5 ms of CPU, several times what the database spends on a small
indexed read (measured in docs/benchmarks.md for the 政策礼包, which reads an enterprise's facts on every request).
`Prepared` builds the queryset once per process with a marker value where the per-call value (an enterprise id)
goes, keeps the SQL and its parameters, and afterwards only swaps the value and executes. The SQL is still the ORM's
own, so table and column names follow the models, and the query runs through Django's cursor (query logging,
execute wrappers and test query counts see it).

Rows come back as the database driver gives them, without the ORM's converters: callers convert the types that
differ between backends (dates and booleans are text and integers on SQLite, JSON is text on both).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

# Where the per-call value goes: no primary key takes it, so it cannot be mistaken for a constant of the query.
MARK = -7_315_426_981


class Prepared:
    """`build(value)` returns the queryset; `rows(value)` runs its SQL, compiled on first use.

    The project has one database (`default`); the queryset's own alias is kept with the SQL."""

    def __init__(self, build: Callable[[int], QuerySet[Any]]) -> None:
        self._build = build
        self._compiled: tuple[str, str, tuple[Any, ...], tuple[int, ...]] | None = None

    def _sql(self) -> tuple[str, str, tuple[Any, ...], tuple[int, ...]]:
        if self._compiled is None:
            queryset = self._build(MARK)
            sql, params = queryset.query.get_compiler(queryset.db).as_sql()
            marks = tuple(i for i, p in enumerate(params) if type(p) is int and p == MARK)
            if any(p == MARK for i, p in enumerate(params) if i not in marks):
                raise ImproperlyConfigured("Prepared: the marker value reached the SQL in a form it cannot replace")
            self._compiled = (queryset.db, sql, tuple(params), marks)
        return self._compiled

    def rows(self, value: int | None = None) -> list[tuple[Any, ...]]:
        """The rows of the query, with `value` where the queryset had the marker (a query built without the
        marker takes no value)."""
        using, sql, params, marks = self._sql()
        if (value is None) != (not marks):
            raise ImproperlyConfigured(
                "Prepared: a value is given for a query without the marker"
                if value is not None
                else "Prepared: the query needs a value for its marker"
            )
        if marks:
            filled = list(params)
            for i in marks:
                filled[i] = value
            params = tuple(filled)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def instances(self, model: type[M], attnames: Sequence[str], value: int | None = None) -> list[M]:
        """The rows as `model` instances holding just `attnames` (the queryset's `values_list` columns, which must
        be plain fields needing no conversion, in the model's field order); the other fields load on access, as
        after `.only()`."""
        order = [f.attname for f in model._meta.concrete_fields if f.attname in attnames]
        if order != list(attnames):
            raise ImproperlyConfigured(f"Prepared: give {model.__name__}'s fields in its own order: {order}")
        using = self._sql()[0]
        return [model.from_db(using, attnames, row) for row in self.rows(value)]


def as_date(value: Any) -> dt.date | None:
    """A DATE column as read raw: a date on PostgreSQL, ISO text on SQLite."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def as_bool(value: Any) -> bool | None:
    """A BOOLEAN column as read raw: a bool on PostgreSQL, 0/1 on SQLite."""
    return None if value is None else bool(value)


def as_json(value: Any) -> Any:
    """A JSON column as read raw: text on both backends (Django reads jsonb as text on PostgreSQL)."""
    return json.loads(value) if isinstance(value, str | bytes) else value
