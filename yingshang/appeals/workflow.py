"""State transitions of an appeal. Each checks the role, the source state and the version, then writes the change,
an AppealEvent and an audit row in one transaction; notifications go out with it (SMS after commit).

    待分派 --dispatch--> 待签收 --sign--> 办理中 --reply--> 待审核 --review ok--> 待回访 --follow-up ok--> 已办结
       ^                   |                |  ^  \\--suspension approved--> 挂起中 --resume--^       |
       +------return-------+                |  +--------review send back---------+               |
                                            +<-----------------重办 (unsolved / dissatisfied)-------+
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from yingshang.accounts.models import Department, User
from yingshang.accounts.roles import Cap
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.core.notifications import notify
from yingshang.core.workdays import add_working_days, working_days_between

from .attachments import store_attachments, validate_attachments
from .events import (
    department_staff,
    dispatch_limit_days,
    lock,
    office_staff,
    record_event,
    require_state,
    save_versioned,
    set_stage_deadline,
    today,
)
from .events import (
    now as clock_now,
)
from .models import (
    Appeal,
    AppealState,
    Assignment,
    AssignmentRole,
    AssignmentState,
    Extension,
    Reply,
    RequestState,
    Supervision,
    SupervisionLevel,
    Suspension,
)


def _link(appeal: Appeal) -> str:
    return f"/appeals/{appeal.pk}/"


def _require_office(by: User) -> None:
    if not by.has_cap(Cap.DISPATCH_APPEALS):
        raise PermissionDeniedError("只有营商办可以进行此操作")


def _assignment(appeal: Appeal, by: User, *, states: Sequence[str], role: str | None = None) -> Assignment:
    if not by.has_cap(Cap.HANDLE_APPEALS) or not by.department_id:
        raise PermissionDeniedError("只有承办部门的工作人员可以进行此操作")
    qs = Assignment.objects.select_for_update().filter(appeal=appeal, department_id=by.department_id, state__in=states)
    if role:
        qs = qs.filter(role=role)
    found = qs.order_by("-dispatched_at", "-id").first()
    if found is None:
        raise PermissionDeniedError("该诉求未分派给本部门办理")
    return found


def _audit(by: User, appeal: Appeal, step: str, **detail: object) -> None:
    audit_record(action=Action.APPEAL_TRANSITION, user=by, obj=appeal, detail={"step": step, **detail})


def _transition(appeal: Appeal, to_state: str) -> str:
    previous = appeal.state
    appeal.state = to_state
    return previous


# ---- dispatch, sign, return -----------------------------------------------------------------------------------


@transaction.atomic
def appeal_dispatch(
    *,
    appeal: Appeal,
    lead: Department,
    by: User,
    assists: Sequence[Department] = (),
    note: str = "",
    version: int | None = None,
) -> Appeal:
    """Send the appeal to a lead department (主办) and optional co-departments (协办)."""
    _require_office(by)
    appeal = lock(appeal, expected_version=version)
    require_state(appeal, AppealState.SUBMITTED, action="分派")
    if not lead.is_active:
        raise ApplicationError("主办部门已停用", field="lead")
    assist_list = [d for d in dict.fromkeys(assists) if d.pk != lead.pk]
    now, day = clock_now(), today()
    sign_deadline = add_working_days(day, appeal.category.sign_limit_days)
    for department, role in [(lead, AssignmentRole.LEAD), *((d, AssignmentRole.ASSIST) for d in assist_list)]:
        Assignment.objects.create(
            appeal=appeal,
            department=department,
            role=role,
            dispatched_at=now,
            dispatched_by=by,
            sign_deadline=sign_deadline,
        )
    previous = _transition(appeal, AppealState.DISPATCHED)
    appeal.lead_department = lead
    appeal.dispatched_at = now
    appeal.sign_deadline = sign_deadline
    appeal.handle_deadline = add_working_days(day, appeal.category.limit_for(appeal.urgency))
    set_stage_deadline(appeal, sign_deadline)
    save_versioned(
        appeal,
        ["state", "lead_department", "dispatched_at", "sign_deadline", "handle_deadline", "deadline", "yellow_from"],
    )
    names = "、".join(d.name for d in assist_list)
    record_event(
        appeal=appeal,
        kind="dispatched",
        title=f"分派至{lead.name}(主办){',协办:' + names if names else ''}",
        by=by,
        note=note,
        from_state=previous,
        to_state=appeal.state,
        internal=appeal.confidential,
        data={"lead": lead.pk, "assists": [d.pk for d in assist_list]},
    )
    _audit(by, appeal, "dispatch", lead=lead.pk, assists=[d.pk for d in assist_list])
    for department in [lead, *assist_list]:
        notify(
            recipients=department_staff(department),
            title=f"新分派诉求待签收:{appeal.number}",
            body=f"请于 {sign_deadline:%Y-%m-%d} 前签收,{appeal.handle_deadline:%Y-%m-%d} 前办结",
            link=_link(appeal),
            category="appeals",
            sms=True,
        )
    return appeal


@transaction.atomic
def appeal_sign(*, appeal: Appeal, by: User, version: int | None = None) -> Appeal:
    """签收. The lead department's signature starts handling; a co-department's only marks its own assignment."""
    appeal = lock(appeal, expected_version=version)
    assignment = _assignment(appeal, by, states=[AssignmentState.PENDING])
    now = clock_now()
    assignment.state, assignment.signed_at, assignment.signed_by = AssignmentState.SIGNED, now, by
    assignment.save(update_fields=["state", "signed_at", "signed_by"])
    previous = appeal.state
    if assignment.role == AssignmentRole.LEAD:
        require_state(appeal, AppealState.DISPATCHED, action="签收")
        _transition(appeal, AppealState.HANDLING)
        appeal.signed_at = now
        set_stage_deadline(appeal, appeal.handle_deadline)
        save_versioned(appeal, ["state", "signed_at", "deadline", "yellow_from"])
    else:
        save_versioned(appeal, [])
    record_event(
        appeal=appeal,
        kind="signed",
        title=f"{assignment.department.name}签收({assignment.get_role_display()})",
        by=by,
        from_state=previous,
        to_state=appeal.state,
        internal=appeal.confidential,
    )
    _audit(by, appeal, "sign", department=assignment.department_id, on_time=assignment.signed_on_time)
    return appeal


@transaction.atomic
def appeal_return(*, appeal: Appeal, by: User, reason: str, version: int | None = None) -> Appeal:
    """退单 with a reason. The lead department's return sends the appeal back to the office for re-dispatch."""
    if not (reason or "").strip():
        raise ApplicationError("请填写退单理由", field="reason")
    appeal = lock(appeal, expected_version=version)
    assignment = _assignment(appeal, by, states=[AssignmentState.PENDING])
    now = clock_now()
    assignment.state, assignment.returned_at, assignment.return_reason = AssignmentState.RETURNED, now, reason.strip()
    assignment.save(update_fields=["state", "returned_at", "return_reason"])
    previous = appeal.state
    if assignment.role == AssignmentRole.LEAD:
        require_state(appeal, AppealState.DISPATCHED, action="退单")
        Assignment.objects.filter(appeal=appeal, state__in=[AssignmentState.PENDING, AssignmentState.SIGNED]).update(
            state=AssignmentState.WITHDRAWN
        )
        _transition(appeal, AppealState.SUBMITTED)
        appeal.lead_department = None
        appeal.return_count += 1
        set_stage_deadline(appeal, add_working_days(today(), dispatch_limit_days()))
        save_versioned(appeal, ["state", "lead_department", "return_count", "deadline", "yellow_from"])
    else:
        save_versioned(appeal, [])
    record_event(
        appeal=appeal,
        kind="returned",
        title=f"{assignment.department.name}退单",
        by=by,
        note=reason.strip(),
        from_state=previous,
        to_state=appeal.state,
        internal=True,
    )
    _audit(by, appeal, "return", department=assignment.department_id, reason=reason.strip())
    notify(
        recipients=office_staff(),
        title=f"诉求被退单:{appeal.number}",
        body=f"{assignment.department.name}:{reason.strip()}",
        link=_link(appeal),
        category="appeals",
    )
    return appeal


# ---- reply ----------------------------------------------------------------------------------------------------


@transaction.atomic
def appeal_reply(
    *,
    appeal: Appeal,
    by: User,
    content: str,
    attachments: Sequence[UploadedFile] = (),
    version: int | None = None,
) -> Reply:
    """The lead department hands in its result (→ 待审核); a co-department's reply is an opinion for the lead."""
    if not (content or "").strip():
        raise ApplicationError("请填写办理结果", field="content")
    validate_attachments(attachments)
    appeal = lock(appeal, expected_version=version)
    assignment = _assignment(appeal, by, states=[AssignmentState.SIGNED])
    require_state(appeal, AppealState.HANDLING, action="答复")
    now = clock_now()
    reply = Reply.objects.create(
        appeal=appeal, department=assignment.department, author=by, content=content.strip(), created_at=now
    )
    store_attachments(appeal=appeal, files=attachments, by=by, reply=reply)
    previous = appeal.state
    if assignment.role == AssignmentRole.LEAD:
        _transition(appeal, AppealState.REPLIED)
        appeal.replied_at = now
        appeal.finished_late = appeal.handle_deadline is not None and timezone.localdate(now) > appeal.handle_deadline
        set_stage_deadline(appeal, None)
        save_versioned(appeal, ["state", "replied_at", "finished_late", "deadline", "yellow_from"])
        notify(
            recipients=office_staff(),
            title=f"诉求已答复待审核:{appeal.number}",
            body=assignment.department.name,
            link=_link(appeal),
            category="appeals",
        )
    else:
        save_versioned(appeal, [])
    record_event(
        appeal=appeal,
        kind="replied" if assignment.role == AssignmentRole.LEAD else "assist_replied",
        title=f"{assignment.department.name}{'答复办理结果' if assignment.role == AssignmentRole.LEAD else '提交协办意见'}",
        by=by,
        from_state=previous,
        to_state=appeal.state,
        internal=True,  # the enterprise sees the result once the office has reviewed it
    )
    _audit(by, appeal, "reply", late=appeal.finished_late)
    return reply


# ---- extension and suspension ---------------------------------------------------------------------------------


@transaction.atomic
def appeal_extension_request(
    *, appeal: Appeal, by: User, days: int, reason: str, version: int | None = None
) -> Extension:
    if not 1 <= int(days) <= 60:
        raise ApplicationError("延期天数须为 1 至 60 个工作日", field="days")
    if not (reason or "").strip():
        raise ApplicationError("请填写延期理由", field="reason")
    appeal = lock(appeal, expected_version=version)
    _assignment(appeal, by, states=[AssignmentState.SIGNED], role=AssignmentRole.LEAD)
    require_state(appeal, AppealState.HANDLING, action="申请延期")
    if appeal.extensions.filter(state=RequestState.PENDING).exists():
        raise ApplicationError("已有待审批的延期申请")
    extension = Extension.objects.create(
        appeal=appeal, days=days, reason=reason.strip(), requested_by=by, requested_at=clock_now()
    )
    save_versioned(appeal, [])
    record_event(
        appeal=appeal, kind="extension_requested", title=f"申请延期 {days} 个工作日", by=by, note=reason, internal=True
    )
    _audit(by, appeal, "extension_request", days=days)
    notify(recipients=office_staff(), title=f"延期申请待审批:{appeal.number}", link=_link(appeal), category="appeals")
    return extension


@transaction.atomic
def appeal_extension_decide(
    *, extension: Extension, by: User, approve: bool, note: str = "", version: int | None = None
) -> Extension:
    _require_office(by)
    appeal = lock(extension.appeal, expected_version=version)
    extension = Extension.objects.select_for_update().get(pk=extension.pk)
    if extension.state != RequestState.PENDING:
        raise ApplicationError("该延期申请已审批过")
    extension.state = RequestState.APPROVED if approve else RequestState.REJECTED
    extension.decided_by, extension.decided_at, extension.decision_note = by, clock_now(), note.strip()
    extension.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    fields: list[str] = []
    if approve:
        if appeal.handle_deadline is None:
            raise ApplicationError("该诉求尚无办理时限,无法延期")
        appeal.handle_deadline = add_working_days(appeal.handle_deadline, extension.days)
        appeal.extended_days += extension.days
        fields = ["handle_deadline", "extended_days"]
        if appeal.state == AppealState.HANDLING:
            set_stage_deadline(appeal, appeal.handle_deadline)
            fields += ["deadline", "yellow_from"]
    save_versioned(appeal, fields)
    verdict = "批准" if approve else "驳回"
    record_event(
        appeal=appeal,
        kind="extension_decided",
        title=f"{verdict}延期申请({extension.days} 个工作日)"
        + (f",办理时限调整为 {appeal.handle_deadline:%Y-%m-%d}" if approve and appeal.handle_deadline else ""),
        by=by,
        note=note,
        internal=True,
    )
    audit_record(action=Action.APPROVAL, user=by, obj=appeal, detail={"extension": extension.pk, "approved": approve})
    notify(
        recipients=[extension.requested_by],
        title=f"延期申请已{verdict}:{appeal.number}",
        link=_link(appeal),
        category="appeals",
    )
    return extension


@transaction.atomic
def appeal_suspension_request(*, appeal: Appeal, by: User, reason: str, version: int | None = None) -> Suspension:
    if not (reason or "").strip():
        raise ApplicationError("请填写挂起理由", field="reason")
    appeal = lock(appeal, expected_version=version)
    _assignment(appeal, by, states=[AssignmentState.SIGNED], role=AssignmentRole.LEAD)
    require_state(appeal, AppealState.HANDLING, action="申请挂起")
    if appeal.suspensions.filter(state=RequestState.PENDING).exists():
        raise ApplicationError("已有待审批的挂起申请")
    suspension = Suspension.objects.create(
        appeal=appeal, reason=reason.strip(), requested_by=by, requested_at=clock_now()
    )
    save_versioned(appeal, [])
    record_event(appeal=appeal, kind="suspension_requested", title="申请挂起", by=by, note=reason, internal=True)
    _audit(by, appeal, "suspension_request")
    notify(recipients=office_staff(), title=f"挂起申请待审批:{appeal.number}", link=_link(appeal), category="appeals")
    return suspension


@transaction.atomic
def appeal_suspension_decide(
    *, suspension: Suspension, by: User, approve: bool, note: str = "", version: int | None = None
) -> Suspension:
    """Approving stops the clock from today: the appeal has no running deadline until it is resumed."""
    _require_office(by)
    appeal = lock(suspension.appeal, expected_version=version)
    suspension = Suspension.objects.select_for_update().get(pk=suspension.pk)
    if suspension.state != RequestState.PENDING:
        raise ApplicationError("该挂起申请已审批过")
    if approve:
        require_state(appeal, AppealState.HANDLING, action="挂起")
    suspension.state = RequestState.APPROVED if approve else RequestState.REJECTED
    suspension.decided_by, suspension.decided_at, suspension.decision_note = by, clock_now(), note.strip()
    fields: list[str] = []
    previous = appeal.state
    if approve:
        suspension.started_on = today()
        _transition(appeal, AppealState.SUSPENDED)
        appeal.suspended_since = suspension.started_on
        appeal.ever_suspended = True
        set_stage_deadline(appeal, None)
        fields = ["state", "suspended_since", "ever_suspended", "deadline", "yellow_from"]
    suspension.save()
    save_versioned(appeal, fields)
    verdict = "批准" if approve else "驳回"
    record_event(
        appeal=appeal,
        kind="suspension_decided",
        title=f"{verdict}挂起申请",
        by=by,
        note=note,
        from_state=previous,
        to_state=appeal.state,
        internal=not approve,
    )
    audit_record(action=Action.APPROVAL, user=by, obj=appeal, detail={"suspension": suspension.pk, "approved": approve})
    notify(
        recipients=[suspension.requested_by],
        title=f"挂起申请已{verdict}:{appeal.number}",
        link=_link(appeal),
        category="appeals",
    )
    return suspension


@transaction.atomic
def appeal_resume(*, appeal: Appeal, by: User, on: date | None = None, version: int | None = None) -> Appeal:
    """End a suspension: the handle deadline moves by the working days spent suspended."""
    appeal = lock(appeal, expected_version=version)
    if not by.has_cap(Cap.DISPATCH_APPEALS):
        _assignment(appeal, by, states=[AssignmentState.SIGNED], role=AssignmentRole.LEAD)
    require_state(appeal, AppealState.SUSPENDED, action="恢复办理")
    resume_day = on or today()
    started = appeal.suspended_since or resume_day
    paused = max(0, working_days_between(started, resume_day))
    if appeal.handle_deadline is not None:
        appeal.handle_deadline = add_working_days(appeal.handle_deadline, paused)
    appeal.paused_days += paused
    appeal.suspended_since = None
    previous = _transition(appeal, AppealState.HANDLING)
    set_stage_deadline(appeal, appeal.handle_deadline)
    save_versioned(appeal, ["state", "handle_deadline", "paused_days", "suspended_since", "deadline", "yellow_from"])
    Suspension.objects.filter(appeal=appeal, state=RequestState.APPROVED).update(
        state=RequestState.ENDED, ended_on=resume_day, paused_days=paused
    )
    record_event(
        appeal=appeal,
        kind="resumed",
        title=f"恢复办理(挂起 {paused} 个工作日,办理时限顺延至 {appeal.handle_deadline:%Y-%m-%d})",
        by=by,
        from_state=previous,
        to_state=appeal.state,
    )
    _audit(by, appeal, "resume", paused_days=paused)
    return appeal


# ---- 督办 / 催办 ------------------------------------------------------------------------------------------------


@transaction.atomic
def appeal_supervise(
    *, appeal: Appeal, by: User, level: str, opinion: str, deadline: date, version: int | None = None
) -> Supervision:
    _require_office(by)
    if level not in SupervisionLevel.values:
        raise ApplicationError("请选择督办级别", field="level")
    if not (opinion or "").strip():
        raise ApplicationError("请填写督办意见", field="opinion")
    if deadline < today():
        raise ApplicationError("督办时限不能早于今天", field="deadline")
    appeal = lock(appeal, expected_version=version)
    require_state(appeal, AppealState.DISPATCHED, AppealState.HANDLING, AppealState.SUSPENDED, action="督办")
    supervision = Supervision.objects.create(
        appeal=appeal, level=level, opinion=opinion.strip(), deadline=deadline, created_by=by, created_at=clock_now()
    )
    save_versioned(appeal, [])
    label = SupervisionLevel(level).label
    record_event(
        appeal=appeal, kind="supervised", title=f"{label}(时限 {deadline:%Y-%m-%d})", by=by, note=opinion, internal=True
    )
    _audit(by, appeal, "supervise", level=level, deadline=deadline.isoformat())
    if appeal.lead_department is not None:
        notify(
            recipients=department_staff(appeal.lead_department),
            title=f"【{label}】{appeal.number}",
            body=f"请于 {deadline:%Y-%m-%d} 前书面回复:{opinion.strip()[:60]}",
            link=_link(appeal),
            category="appeals",
            sms=True,
        )
    return supervision


@transaction.atomic
def supervision_remind(*, supervision: Supervision, by: User) -> Supervision:
    """催办: one more reminder (inbox + SMS) to the lead department; counted on the 督办 record."""
    _require_office(by)
    supervision = Supervision.objects.select_for_update().select_related("appeal").get(pk=supervision.pk)
    if supervision.is_answered:
        raise ApplicationError("该督办已书面回复,无需催办")
    appeal = supervision.appeal
    if appeal.lead_department is None:
        raise ApplicationError("该诉求当前没有主办部门")
    supervision.reminders_sent += 1
    supervision.last_reminded_at = clock_now()
    supervision.save(update_fields=["reminders_sent", "last_reminded_at"])
    record_event(appeal=appeal, kind="reminded", title=f"第 {supervision.reminders_sent} 次催办", by=by, internal=True)
    _audit(by, appeal, "remind", supervision=supervision.pk, count=supervision.reminders_sent)
    notify(
        recipients=department_staff(appeal.lead_department),
        title=f"【催办】{appeal.number}",
        body=f"督办时限 {supervision.deadline:%Y-%m-%d},请尽快办理并书面回复",
        link=_link(appeal),
        category="appeals",
        sms=True,
    )
    return supervision


@transaction.atomic
def supervision_reply(*, supervision: Supervision, by: User, reply: str) -> Supervision:
    if not (reply or "").strip():
        raise ApplicationError("请填写书面回复", field="reply")
    supervision = Supervision.objects.select_for_update().select_related("appeal").get(pk=supervision.pk)
    appeal = supervision.appeal
    _assignment(appeal, by, states=[AssignmentState.SIGNED, AssignmentState.PENDING], role=AssignmentRole.LEAD)
    if supervision.is_answered:
        raise ApplicationError("该督办已回复")
    supervision.reply, supervision.replied_by, supervision.replied_at = reply.strip(), by, clock_now()
    supervision.save(update_fields=["reply", "replied_by", "replied_at"])
    record_event(appeal=appeal, kind="supervision_replied", title="督办书面回复", by=by, note=reply, internal=True)
    _audit(by, appeal, "supervision_reply", supervision=supervision.pk)
    notify(
        recipients=[supervision.created_by], title=f"督办已回复:{appeal.number}", link=_link(appeal), category="appeals"
    )
    return supervision
