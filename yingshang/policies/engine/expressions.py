"""Database expressions the registry uses: reading one supplied fact (EnterpriseFact JSON) as a typed SQL value."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Func, OuterRef, Subquery

from yingshang.enterprises.models import EnterpriseFact

_PG_CASTS = {
    "decimal": "numeric",
    "integer": "numeric",
    "boolean": "boolean",
    "date": "date",
    "text": "text",
    "choice": "text",
}


class JsonScalar(Func):
    """The scalar held by a JSON column as SQL of the wanted type (NULL for JSON null).

    PostgreSQL: `(value #>> '{}')::numeric`; SQLite: `CAST(json_extract(value, '$') AS NUMERIC)` — numbers stored as
    JSON strings ("500.5", the platform's encoding of Decimal) and as JSON numbers read the same.
    """

    arity = 1

    def __init__(self, expression: Any, kind: str) -> None:
        self.kind = kind
        outputs: dict[str, models.Field] = {
            "decimal": models.DecimalField(max_digits=30, decimal_places=10),
            "integer": models.DecimalField(max_digits=30, decimal_places=10),
            "boolean": models.BooleanField(),
            "date": models.DateField(),
        }
        super().__init__(expression, output_field=outputs.get(kind, models.TextField()))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        if connection.vendor == "postgresql":
            template = f"((%(expressions)s #>> '{{}}')::{_PG_CASTS[self.kind]})"
        elif self.kind in ("decimal", "integer"):
            template = "CAST(json_extract(%(expressions)s, '$') AS NUMERIC)"
        else:
            template = "json_extract(%(expressions)s, '$')"
        return super().as_sql(compiler, connection, template=template, **extra)


def supplied_fact(key: str, kind: str) -> Subquery:
    """The undated EnterpriseFact `key` of the outer enterprise row."""
    rows = EnterpriseFact.objects.filter(enterprise_id=OuterRef("pk"), key=key, year__isnull=True)
    scalar = JsonScalar("value", kind)
    return Subquery(rows.annotate(v=scalar).values("v")[:1], output_field=scalar.output_field)
