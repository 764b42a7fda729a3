from __future__ import annotations

from django_tasks import task

from .reminders import send_material_reminders


@task()
def send_material_reminders_task() -> int:
    """Thin and safe to run twice: the reminder service never sends the same reminder again."""
    return send_material_reminders().sent
