"""容缺 reminders: a configurable number of working days before the supply date, and on the day.

Safe to run any number of times, from the task, the daily cron job (`manage.py govservices_remind`) or both at
once: each (material, kind, due date) reminder is a row under a unique constraint, written in the same transaction as
its inbox and SMS messages, so a second run — or a concurrent one — finds the row and sends nothing. A run that
missed the due day (a stopped worker) still sends the due-day reminder once, marked as overdue.

`today` is injectable so tests (and an administrator replaying a missed day) can move the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from yingshang.core.notifications import notify
from yingshang.core.workdays import add_working_days

from .models import CaseMaterial, CaseState, MaterialReminder, MaterialStatus, ReminderKind
from .services import applicant_users, event_add

DEFAULT_DAYS_BEFORE = 2


def configured_days_before() -> int:
    return int(getattr(settings, "GOVSERVICES_REMINDER_DAYS_BEFORE", DEFAULT_DAYS_BEFORE))


@dataclass(frozen=True)
class ReminderRun:
    checked: int
    sent_before: int
    sent_due: int

    @property
    def sent(self) -> int:
        return self.sent_before + self.sent_due


def _kind_for(material: CaseMaterial, *, today: date, days_before: int) -> str | None:
    due = material.due_date
    if due is None:
        return None
    if today >= due:
        return ReminderKind.DUE
    if days_before > 0 and today >= add_working_days(due, -days_before):
        return ReminderKind.BEFORE
    return None


def _send_one(material: CaseMaterial, *, kind: str, today: date) -> bool:
    case = material.case
    assert material.due_date is not None
    try:
        with transaction.atomic():
            MaterialReminder.objects.create(material=material, kind=kind, due_date=material.due_date, sent_on=today)
            if kind == ReminderKind.BEFORE:
                title = f"请于 {material.due_date:%Y-%m-%d} 前补齐容缺材料"
            elif today > material.due_date:
                title = f"容缺材料已逾期(期限 {material.due_date:%Y-%m-%d}),请尽快补齐"
            else:
                title = "今天是容缺材料补齐的最后期限"
            body = f"办件 {case.number}({case.title})待补材料:{material.name}。可在网上上传,也可到综合窗口递交。"
            link = reverse("govservices:case_detail", args=[case.pk])
            notify(
                recipients=applicant_users(case), title=title, body=body, link=link, category="govservices", sms=True
            )
            # The clerk who accepted the case telephones applicants without an account (individuals).
            notify(
                recipients=[case.accepted_by],
                title=f"[提醒申请人] {title}",
                body=body,
                link=link,
                category="govservices",
            )
            event_add(case, actor=None, kind="reminder", summary=f"已发送{ReminderKind(kind).label}:{material.name}")
    except IntegrityError:
        return False  # another run sent it first
    return True


def send_material_reminders(*, today: date | None = None, days_before: int | None = None) -> ReminderRun:
    today = today or timezone.localdate()
    days_before = configured_days_before() if days_before is None else days_before
    pending = (
        CaseMaterial.objects.filter(status=MaterialStatus.MISSING, due_date__isnull=False)
        .exclude(case__state__in=[CaseState.SUBMITTED, CaseState.REJECTED, CaseState.COLLECTED])
        .select_related("case", "case__accepted_by")
        .order_by("due_date", "id")
    )
    already = set(MaterialReminder.objects.filter(material__in=pending).values_list("material_id", "kind", "due_date"))
    checked = sent_before = sent_due = 0
    for material in pending.iterator(chunk_size=500):
        checked += 1
        kind = _kind_for(material, today=today, days_before=days_before)
        if kind is None or (material.pk, kind, material.due_date) in already:
            continue
        if _send_one(material, kind=kind, today=today):
            if kind == ReminderKind.BEFORE:
                sent_before += 1
            else:
                sent_due += 1
    return ReminderRun(checked=checked, sent_before=sent_before, sent_due=sent_due)
