"""Indexes for the registry list at a million rows.

- name: a trigram GIN index (PostgreSQL only), so "name contains" search does not scan the table. The extension is
  trusted since PostgreSQL 13, so the database owner may create it. SQLite has no equivalent: a no-op there.
- four_up_category with -id, and partial indexes on the two (rare) credit flags, so filtered pages read the newest
  rows straight from an index, like the existing township/park/scale indexes.
- (industrychain, enterprise) on the chain link table, mirroring entq_qual_ent for qualifications.

The portable ones are added through the schema editor (so each database gets its own SQL) but are not part of the
model state; the models stay as they are. Both directions are reversible.
"""

from django.db import migrations, models

TRIGRAM_INDEX = "ent_name_trgm"


def _indexes(apps):
    enterprise = apps.get_model("enterprises", "Enterprise")
    chain_link = enterprise._meta.get_field("industry_chains").remote_field.through
    return [
        (enterprise, models.Index(fields=["four_up_category", "-id"], name="ent_fourup_id")),
        (
            enterprise,
            models.Index(fields=["-id"], condition=models.Q(is_dishonest_executee=True), name="ent_dishonest_id"),
        ),
        (
            enterprise,
            models.Index(fields=["-id"], condition=models.Q(is_abnormal_operation=True), name="ent_abnormal_id"),
        ),
        (chain_link, models.Index(fields=["industrychain", "enterprise"], name="ent_chain_ent")),
    ]


def add_indexes(apps, schema_editor):
    for model, index in _indexes(apps):
        schema_editor.add_index(model, index)
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("enterprises", "Enterprise")._meta.db_table)
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON {table} USING gin (name gin_trgm_ops)")


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")
    for model, index in reversed(_indexes(apps)):
        schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_indexes, remove_indexes),
    ]
