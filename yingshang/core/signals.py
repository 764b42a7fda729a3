from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import workdays
from .models import CalendarDay


@receiver([post_save, post_delete], sender=CalendarDay)
def _calendar_changed(**_: Any) -> None:
    # Now, so the writing transaction sees its own change; and again after commit, because another process may have
    # reloaded the old rows under the new version before this transaction committed.
    workdays.invalidate()
    transaction.on_commit(workdays.invalidate)
