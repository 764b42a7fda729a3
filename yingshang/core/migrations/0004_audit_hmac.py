"""The audit chain head gets an HMAC seal; an existing chain (plain SHA-256 before) is re-hashed with AUDIT_HMAC_KEY,
if and only if it is intact."""

import sys

from django.db import migrations, models


def rekey(apps, schema_editor):
    from yingshang.core.audit import rekey_legacy_chain

    log_model = apps.get_model("core", "AuditLog")
    head_model = apps.get_model("core", "AuditChainHead")
    if not head_model.objects.using(schema_editor.connection.alias).exists():
        return
    result = rekey_legacy_chain(log_model=log_model, head_model=head_model)
    if result is None:
        # Left as it is, so the evidence survives: audit_verify will report the chain as broken.
        sys.stderr.write("警告:审计日志按旧的 SHA-256 校验未通过,未改用 HMAC 重新计算;请运行 audit_verify 并调查。\n")
    elif result:
        sys.stderr.write(f"审计日志已改用 HMAC-SHA256:重新计算 {result} 条。\n")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_outbox_sending_claim"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditchainhead",
            name="mac",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
