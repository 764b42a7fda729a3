"""Writing to the audit table as someone with database access would: around the model guard and the trigger."""

from __future__ import annotations

from typing import Any

from django.db import connection

TRIGGER = "core_auditlog_append_only"


def tamper_sql(sql: str, params: list[Any] | None = None) -> None:
    """Run `sql` directly. On PostgreSQL the append-only trigger is switched off around it, as the table's owner can;
    these tests prove that verification still finds what was done (the trigger has its own tests)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE core_auditlog DISABLE TRIGGER {TRIGGER}")
        try:
            cursor.execute(sql, params or [])
        finally:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE core_auditlog ENABLE TRIGGER {TRIGGER}")
