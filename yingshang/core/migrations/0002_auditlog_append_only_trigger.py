"""PostgreSQL only: the database itself refuses UPDATE and DELETE on the audit log.

`audit_prune` sets `yingshang.audit_prune = 'on'` with SET LOCAL (set_config(..., true)) for its own transaction;
every other UPDATE or DELETE, whoever runs it, fails. A database owner can still drop the trigger, which is why the
rows are also HMAC-chained with a key outside the database (docs/security.md). SQLite has no equivalent: skipped.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION core_auditlog_append_only() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('yingshang.audit_prune', true), '') <> 'on' THEN
        RAISE EXCEPTION '审计日志只能追加,拒绝 % (core_auditlog)', TG_OP
            USING ERRCODE = 'insufficient_privilege',
                  HINT = '保留期满的记录只能由 manage.py audit_prune 截除';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS core_auditlog_append_only ON core_auditlog;
CREATE TRIGGER core_auditlog_append_only
    BEFORE UPDATE OR DELETE ON core_auditlog
    FOR EACH ROW EXECUTE FUNCTION core_auditlog_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS core_auditlog_append_only ON core_auditlog;
DROP FUNCTION IF EXISTS core_auditlog_append_only();
"""


def _run(schema_editor, sql):
    # A cursor without parameters: the function body's '%' is PL/pgSQL's, not a query placeholder.
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)


def create_trigger(apps, schema_editor):
    _run(schema_editor, CREATE)


def drop_trigger(apps, schema_editor):
    _run(schema_editor, DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
