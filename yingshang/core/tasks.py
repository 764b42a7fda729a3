from __future__ import annotations

from django_tasks import task

from . import notifications


@task()
def deliver_outbox(message_ids: list[int]) -> int:
    return notifications.deliver(message_ids)
