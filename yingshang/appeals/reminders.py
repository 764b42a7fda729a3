"""Daily reminders, run from cron (`manage.py appeals_remind`): safe to run twice a day, it reminds once a day.

- 督办 past its own deadline without a written reply: an automatic 催办 (counted on the 督办, inbox + SMS to the lead
  department, an internal timeline event).
- Each department with overdue (red) or due-today (yellow) appeals gets one digest in its inbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q

from yingshang.accounts.models import Department
from yingshang.core.audit import Action, audit_record
from yingshang.core.notifications import notify

from .events import department_staff, now, record_event, today
from .models import OPEN_STATES, Appeal, AppealState, Supervision
from .selectors import with_colour


@dataclass(frozen=True)
class ReminderResult:
    supervisions_reminded: int
    departments_notified: int


@transaction.atomic
def reminders_send(*, on: date | None = None) -> ReminderResult:
    day = on or today()
    reminded = 0
    overdue = (
        Supervision.objects.select_for_update(of=("self",))
        .select_related("appeal", "appeal__lead_department")
        .filter(replied_at__isnull=True, deadline__lt=day, appeal__state__in=OPEN_STATES)
        .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__date__lt=day))
    )
    for supervision in overdue:
        appeal = supervision.appeal
        if appeal.lead_department is None:
            continue
        supervision.reminders_sent += 1
        supervision.last_reminded_at = now()
        supervision.save(update_fields=["reminders_sent", "last_reminded_at"])
        record_event(
            appeal=appeal,
            kind="reminded",
            title=f"督办超期,系统自动第 {supervision.reminders_sent} 次催办",
            internal=True,
        )
        audit_record(
            action=Action.APPEAL_TRANSITION,
            obj=appeal,
            detail={"step": "auto_remind", "supervision": supervision.pk, "count": supervision.reminders_sent},
        )
        notify(
            recipients=department_staff(appeal.lead_department),
            title=f"【催办】{appeal.number} 督办已超期",
            body=f"督办时限 {supervision.deadline:%Y-%m-%d},请立即办理并书面回复",
            link=f"/appeals/{appeal.pk}/",
            category="appeals",
            sms=True,
        )
        reminded += 1

    digest: dict[int, dict[str, int]] = {}
    running = with_colour(
        Appeal.objects.filter(state__in=[AppealState.DISPATCHED, AppealState.HANDLING], lead_department__isnull=False),
        day,
    )
    for department_id, colour in running.values_list("lead_department_id", "colour"):  # type: ignore[misc]
        if colour in ("red", "yellow"):
            counts = digest.setdefault(department_id, {"red": 0, "yellow": 0})
            counts[colour] += 1
    for department in Department.objects.filter(pk__in=list(digest)):
        counts = digest[department.pk]
        notify(
            recipients=department_staff(department),
            title=f"诉求办理提醒:超期 {counts['red']} 件,临期 {counts['yellow']} 件",
            body="请在“部门待办诉求”中查看红灯、黄灯诉求并尽快办理",
            link="/appeals/inbox/",
            category="appeals",
        )
    return ReminderResult(supervisions_reminded=reminded, departments_notified=len(digest))
