"""Writes on cases (办件): acceptance with the materials checklist (容缺/告知承诺), supply of missing materials,
verification of commitments, back-office decisions, issuance, pickup. Every write is atomic, leaves a timeline
event and, where it matters, an audit row; notifications are written in the same transaction.

`now` is injectable everywhere so that tests and the demo can place events in the past."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from yingshang.accounts.models import User
from yingshang.accounts.roles import Cap, Role
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.core.notifications import notify
from yingshang.core.workdays import add_working_days

from .models import (
    ApplicantKind,
    Bundle,
    CaseEvent,
    CaseMaterial,
    CaseState,
    CaseTask,
    Channel,
    MaterialStatus,
    PickupMethod,
    ServiceCase,
    ServiceItem,
    TaskState,
)
from .selectors import bundle_plan, is_back_office, is_window_clerk, plan_for_items


@dataclass(frozen=True)
class MaterialDecision:
    """The clerk's tick for one material of the checklist."""

    status: str  # MaterialStatus value
    commitment_text: str = ""


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def event_add(
    case: ServiceCase,
    *,
    actor: Any,
    kind: str,
    summary: str,
    from_state: str = "",
    to_state: str = "",
    public: bool = True,
    at: datetime | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        summary=summary[:500],
        from_state=from_state,
        to_state=to_state,
        public=public,
        created_at=_now(at),
    )


def applicant_users(case: ServiceCase) -> list[User]:
    if case.enterprise_id is None:
        return []
    return list(User.objects.filter(enterprise_id=case.enterprise_id, is_active=True, role=Role.ENTERPRISE))


def _department_staff(department_id: int) -> list[User]:
    return list(User.objects.filter(department_id=department_id, is_active=True, role=Role.DEPARTMENT_STAFF))


def _office_users() -> list[User]:
    return [u for u in User.objects.filter(is_active=True, role=Role.COORDINATOR) if u.has_cap(Cap.VIEW_SERVICE_STATS)]


def _case_link(case: ServiceCase) -> str:
    return reverse("govservices:case_detail", args=[case.pk])


def _require_window(user: Any) -> None:
    if not is_window_clerk(user):
        raise PermissionDeniedError("只有综合窗口工作人员可以办理此操作")


def _transition(case: ServiceCase, allowed: tuple[str, ...], action: str) -> None:
    if case.state not in allowed:
        raise ApplicationError(f"办件当前状态为“{case.get_state_display()}”,不能{action}")


# ---------------------------------------------------------------------------------------------------------------
# Acceptance
# ---------------------------------------------------------------------------------------------------------------


def _plan(item: ServiceItem | None, bundle: Bundle | None) -> tuple[list[ServiceItem], Any]:
    if (item is None) == (bundle is None):
        raise ApplicationError("请选择一个事项或一件事", field="item")
    if item is not None:
        if not item.is_active:
            raise ApplicationError("该事项已停用", field="item")
        plan = plan_for_items([item])
        return [item], plan
    assert bundle is not None
    if not bundle.is_active:
        raise ApplicationError("该一件事已停用", field="bundle")
    plan = bundle_plan(bundle)
    if not plan.items:
        raise ApplicationError("该一件事尚未配置事项", field="bundle")
    return plan.items, plan


def _create_case(
    *,
    item: ServiceItem | None,
    bundle: Bundle | None,
    applicant_kind: str,
    enterprise: Any,
    applicant_name: str,
    applicant_phone: str,
    applicant_id_number: str,
    channel: str,
    by: Any,
    now: datetime,
) -> ServiceCase:
    items, plan = _plan(item, bundle)
    if applicant_kind == ApplicantKind.ENTERPRISE and enterprise is None:
        raise ApplicationError("请选择申请企业", field="enterprise")
    if applicant_kind == ApplicantKind.PERSON:
        enterprise = None
        if not applicant_id_number.strip():
            raise ApplicationError("个人申请须填写证件号码", field="applicant_id_number")
    if not applicant_name.strip():
        raise ApplicationError("请填写申请人或经办人姓名", field="applicant_name")
    case = ServiceCase.objects.create(
        item=item,
        bundle=bundle,
        title=item.name if item is not None else bundle.name,  # type: ignore[union-attr]
        department=item.department if item is not None else bundle.lead_department,  # type: ignore[union-attr]
        applicant_kind=applicant_kind,
        enterprise=enterprise,
        applicant_name=applicant_name.strip(),
        applicant_phone=applicant_phone.strip(),
        applicant_id_number=applicant_id_number.strip(),
        channel=channel,
        state=CaseState.SUBMITTED,
        committed_limit_days=plan.combined_days,
        submitted_at=now,
        created_by=by,
    )
    CaseTask.objects.bulk_create([CaseTask(case=case, item=i, department=i.department) for i in items])
    CaseMaterial.objects.bulk_create(
        [
            CaseMaterial(
                case=case,
                name=m.name,
                key=m.key,
                required=m.required,
                may_be_missing=m.may_be_missing,
                commitment_allowed=m.commitment_allowed,
                asked_by="、".join(m.items),
                sort_order=index,
            )
            for index, m in enumerate(plan.materials)
        ]
    )
    return case


def _apply_checklist(
    materials: list[CaseMaterial],
    *,
    checklist: dict[int, MaterialDecision],
    due_date: date | None,
    deadline: date,
    today: date,
) -> list[CaseMaterial]:
    """Set each material's status from the clerk's ticks (in memory); returns the materials accepted as missing."""
    missing: list[CaseMaterial] = []
    for material in materials:
        decision = checklist.get(material.pk)
        status = decision.status if decision else MaterialStatus.PROVIDED
        if status == MaterialStatus.MISSING:
            if not material.may_be_missing:
                raise ApplicationError(f"“{material.name}”不在容缺受理范围内,须当场提交", field="materials")
            missing.append(material)
        elif status == MaterialStatus.COMMITTED:
            if not material.commitment_allowed:
                raise ApplicationError(f"“{material.name}”不适用告知承诺", field="materials")
            text = (decision.commitment_text if decision else "").strip()
            material.commitment_text = text or f"申请人承诺:所提交的“{material.name}”相关情况真实、合法、有效。"
        elif status == MaterialStatus.NOT_REQUIRED:
            if material.required:
                raise ApplicationError(f"“{material.name}”为必要材料,不能标记为不涉及", field="materials")
        elif status != MaterialStatus.PROVIDED:
            raise ApplicationError(f"“{material.name}”的材料状态无效", field="materials")
        material.status = status
    if missing:
        if due_date is None:
            raise ApplicationError("容缺受理须确定补齐材料的期限", field="due_date")
        if due_date < today:
            raise ApplicationError("补齐期限不能早于今天", field="due_date")
        if due_date > deadline:
            raise ApplicationError(
                f"补齐期限不能晚于承诺办结日期 {deadline:%Y-%m-%d},否则无法按时办结", field="due_date"
            )
    return missing


def _finish_acceptance(
    case: ServiceCase,
    *,
    by: Any,
    checklist: dict[int, MaterialDecision],
    due_date: date | None,
    now: datetime,
    summary_prefix: str,
) -> ServiceCase:
    deadline = add_working_days(timezone.localdate(now), case.committed_limit_days)
    materials = list(case.materials.all())
    # Every tick is checked before anything is saved, and the whole acceptance is one transaction.
    missing = _apply_checklist(
        materials, checklist=checklist, due_date=due_date, deadline=deadline, today=timezone.localdate(now)
    )
    for material in materials:
        if material.status == MaterialStatus.MISSING:
            material.due_date = due_date
    CaseMaterial.objects.bulk_update(materials, ["status", "due_date", "commitment_text"])
    from_state = case.state
    case.state = CaseState.ACCEPTED
    case.accepted_at = now
    case.accepted_by = by
    case.deadline = deadline
    case.is_rongque = bool(missing)
    if not case.number:
        case.number = f"FW{timezone.localdate(now):%Y%m%d}{case.pk:06d}"
    case.save()
    committed = [m.name for m in materials if m.status == MaterialStatus.COMMITTED]
    summary = f"{summary_prefix},承诺 {deadline:%Y-%m-%d} 前办结(承诺时限 {case.committed_limit_days} 个工作日)"
    event_add(case, actor=by, kind="accepted", summary=summary, from_state=from_state, to_state=case.state, at=now)
    if missing:
        names = "、".join(m.name for m in missing)
        event_add(
            case,
            actor=by,
            kind="rongque",
            summary=f"容缺受理:{names} 须于 {due_date:%Y-%m-%d} 前补齐(可网上上传或到窗口递交)",
            at=now,
        )
    if committed:
        event_add(case, actor=by, kind="commitment", summary=f"告知承诺代替证明:{'、'.join(committed)}", at=now)
    audit_record(
        action=Action.RECORD_CREATED,
        user=by,
        obj=case,
        detail={"event": "service_case_accepted", "number": case.number, "missing": [m.name for m in missing]},
    )
    notify(
        recipients=applicant_users(case),
        title=f"办件已受理:{case.title}",
        body=(
            f"办件编号 {case.number},承诺 {deadline:%Y-%m-%d} 前办结。"
            + (f"请于 {due_date:%Y-%m-%d} 前补齐:{'、'.join(m.name for m in missing)}。" if missing else "")
        ),
        link=_case_link(case),
        category="govservices",
        sms=bool(missing),
    )
    notify(
        recipients={u for t in case.tasks.all() for u in _department_staff(t.department_id)},
        title=f"新办件待审批:{case.title}",
        body=f"办件编号 {case.number},承诺 {deadline:%Y-%m-%d} 前办结",
        link=_case_link(case),
        category="govservices",
    )
    return case


@transaction.atomic
def case_accept(
    *,
    by: Any,
    item: ServiceItem | None = None,
    bundle: Bundle | None = None,
    applicant_kind: str,
    enterprise: Any = None,
    applicant_name: str,
    applicant_phone: str = "",
    applicant_id_number: str = "",
    checklist: dict[str, MaterialDecision] | None = None,
    due_date: date | None = None,
    now: datetime | None = None,
) -> ServiceCase:
    """The front desk accepts a case on the applicant's behalf. `checklist` is keyed by material key."""
    _require_window(by)
    moment = _now(now)
    case = _create_case(
        item=item,
        bundle=bundle,
        applicant_kind=applicant_kind,
        enterprise=enterprise,
        applicant_name=applicant_name,
        applicant_phone=applicant_phone,
        applicant_id_number=applicant_id_number,
        channel=Channel.WINDOW,
        by=by,
        now=moment,
    )
    by_key = {m.key: m.pk for m in case.materials.all()}
    decisions = {by_key[k]: d for k, d in (checklist or {}).items() if k in by_key}
    return _finish_acceptance(
        case, by=by, checklist=decisions, due_date=due_date, now=moment, summary_prefix="窗口受理"
    )


@transaction.atomic
def case_submit_online(
    *,
    by: Any,
    item: ServiceItem | None = None,
    bundle: Bundle | None = None,
    applicant_name: str,
    applicant_phone: str = "",
    now: datetime | None = None,
) -> ServiceCase:
    """An enterprise files online; the window then checks the materials and accepts it."""
    if not getattr(by, "is_enterprise_user", False) or not by.enterprise_id:
        raise PermissionDeniedError("只有企业用户可以网上申报")
    moment = _now(now)
    case = _create_case(
        item=item,
        bundle=bundle,
        applicant_kind=ApplicantKind.ENTERPRISE,
        enterprise=by.enterprise,
        applicant_name=applicant_name,
        applicant_phone=applicant_phone,
        applicant_id_number="",
        channel=Channel.ONLINE,
        by=by,
        now=moment,
    )
    event_add(case, actor=by, kind="submitted", summary="企业网上申报", to_state=case.state, at=moment)
    audit_record(action=Action.RECORD_CREATED, user=by, obj=case, detail={"event": "service_case_submitted"})
    return case


@transaction.atomic
def case_accept_submitted(
    *,
    case: ServiceCase,
    by: Any,
    checklist: dict[int, MaterialDecision] | None = None,
    due_date: date | None = None,
    now: datetime | None = None,
) -> ServiceCase:
    """The window checks an online submission's materials and accepts it (容缺/告知承诺 ticks as at the desk)."""
    _require_window(by)
    case = ServiceCase.objects.select_for_update().get(pk=case.pk)
    _transition(case, (CaseState.SUBMITTED,), "受理")
    return _finish_acceptance(
        case,
        by=by,
        checklist=checklist or {},
        due_date=due_date,
        now=_now(now),
        summary_prefix="网上申报经窗口预审受理",
    )


# ---------------------------------------------------------------------------------------------------------------
# Back office, issuance, pickup
# ---------------------------------------------------------------------------------------------------------------

DECISIONS = {"approve": TaskState.APPROVED, "reject": TaskState.REJECTED, "correction": TaskState.CORRECTION}


@transaction.atomic
def task_decide(
    *, task: CaseTask, by: Any, decision: str, reason: str = "", now: datetime | None = None
) -> ServiceCase:
    """The responsible department approves, rejects (with reasons) or asks for a correction."""
    task = CaseTask.objects.select_for_update().select_related("item").get(pk=task.pk)
    case = ServiceCase.objects.select_for_update().get(pk=task.case_id)
    if not is_back_office(by) or by.department_id != task.department_id:
        raise PermissionDeniedError("只有该事项的实施部门可以审批")
    if decision not in DECISIONS:
        raise ApplicationError("请选择审批意见", field="decision")
    _transition(case, (CaseState.ACCEPTED,), "审批")
    if task.state != TaskState.PENDING:
        raise ApplicationError("该事项已审批")
    reason = reason.strip()
    if decision in ("reject", "correction") and not reason:
        raise ApplicationError("不予许可或要求补正须填写理由", field="reason")
    moment = _now(now)
    task.state = DECISIONS[decision]
    task.reason = reason
    task.decided_at = moment
    task.decided_by = by
    task.save()
    from_state = case.state
    states = set(case.tasks.values_list("state", flat=True))
    if TaskState.REJECTED in states:
        case.state = CaseState.REJECTED
        case.rejection_reason = reason
        case.decided_at = moment
        case.finished_at = moment
    elif TaskState.CORRECTION in states:
        case.state = CaseState.CORRECTION
        case.correction_note = reason
    elif states == {TaskState.APPROVED}:
        case.state = CaseState.APPROVED
        case.decided_at = moment
    case.save()
    label = {"approve": "审批通过", "reject": "不予许可", "correction": "要求补正"}[decision]
    event_add(
        case,
        actor=by,
        kind=f"task_{decision}",
        summary=f"{task.department.name}:{task.item.name} {label}" + (f"。理由:{reason}" if reason else ""),
        from_state=from_state,
        to_state=case.state if case.state != from_state else "",
        at=moment,
    )
    audit_record(
        action=Action.APPROVAL,
        user=by,
        obj=case,
        detail={"event": "service_task_decided", "item": task.item.code, "decision": decision, "reason": reason},
    )
    if case.state != from_state:
        notify(
            recipients=applicant_users(case),
            title=f"办件{case.get_state_display()}:{case.title}",
            body=f"办件编号 {case.number}" + (f"。{reason}" if reason else ""),
            link=_case_link(case),
            category="govservices",
            sms=True,
        )
    return case


@transaction.atomic
def case_correction_done(*, case: ServiceCase, by: Any, note: str = "", now: datetime | None = None) -> ServiceCase:
    """The applicant (online) or the window records that the requested correction was made; review resumes."""
    case = ServiceCase.objects.select_for_update().get(pk=case.pk)
    own = getattr(by, "is_enterprise_user", False) and case.enterprise_id and by.enterprise_id == case.enterprise_id
    if not own:
        _require_window(by)
    _transition(case, (CaseState.CORRECTION,), "提交补正")
    moment = _now(now)
    case.tasks.filter(state=TaskState.CORRECTION).update(state=TaskState.PENDING, decided_at=None, decided_by=None)
    case.state = CaseState.ACCEPTED
    case.save()
    event_add(
        case,
        actor=by,
        kind="corrected",
        summary="已按要求补正" + (f":{note.strip()}" if note.strip() else ""),
        from_state=CaseState.CORRECTION,
        to_state=CaseState.ACCEPTED,
        at=moment,
    )
    audit_record(action=Action.STATE_CHANGE, user=by, obj=case, detail={"event": "service_case_corrected"})
    return case


@transaction.atomic
def case_issue(
    *, case: ServiceCase, by: Any, pickup_method: str, locker_number: str = "", now: datetime | None = None
) -> ServiceCase:
    """The unified window issues the result; never while a required 容缺 material is still outstanding."""
    _require_window(by)
    case = ServiceCase.objects.select_for_update().get(pk=case.pk)
    _transition(case, (CaseState.APPROVED,), "出件")
    outstanding = list(
        case.materials.filter(status=MaterialStatus.MISSING, required=True).values_list("name", flat=True)
    )
    if outstanding:
        raise ApplicationError(f"容缺材料尚未补齐,不能出件:{'、'.join(outstanding)}")
    if pickup_method not in PickupMethod.values:
        raise ApplicationError("请选择领取方式", field="pickup_method")
    locker_number = locker_number.strip()
    if pickup_method == PickupMethod.LOCKER and not locker_number:
        raise ApplicationError("放入自助取件柜须填写格口号", field="locker_number")
    moment = _now(now)
    case.state = CaseState.ISSUED
    case.pickup_method = pickup_method
    case.locker_number = locker_number if pickup_method == PickupMethod.LOCKER else ""
    case.issued_at = moment
    case.finished_at = moment
    case.save()
    where = f"24小时自助取件柜 {locker_number} 号格口" if pickup_method == PickupMethod.LOCKER else "综合出件窗口"
    event_add(
        case,
        actor=by,
        kind="issued",
        summary=f"统一出件,请到{where}领取",
        from_state=CaseState.APPROVED,
        to_state=CaseState.ISSUED,
        at=moment,
    )
    audit_record(
        action=Action.STATE_CHANGE, user=by, obj=case, detail={"event": "service_case_issued", "pickup": pickup_method}
    )
    notify(
        recipients=applicant_users(case),
        title=f"办件已办结,请领取:{case.title}",
        body=f"办件编号 {case.number},请到{where}领取。办结后欢迎对本次服务作出评价。",
        link=_case_link(case),
        category="govservices",
        sms=True,
    )
    return case


@transaction.atomic
def case_collect(*, case: ServiceCase, by: Any, now: datetime | None = None) -> ServiceCase:
    """Record that the result was picked up (the window clerk, or the applicant confirming a locker pickup)."""
    case = ServiceCase.objects.select_for_update().get(pk=case.pk)
    own = getattr(by, "is_enterprise_user", False) and case.enterprise_id and by.enterprise_id == case.enterprise_id
    if not own:
        _require_window(by)
    _transition(case, (CaseState.ISSUED,), "登记领取")
    moment = _now(now)
    case.state = CaseState.COLLECTED
    case.collected_at = moment
    case.save()
    event_add(
        case,
        actor=by,
        kind="collected",
        summary=f"已领取({case.get_pickup_method_display()})",
        from_state=CaseState.ISSUED,
        to_state=CaseState.COLLECTED,
        at=moment,
    )
    audit_record(action=Action.STATE_CHANGE, user=by, obj=case, detail={"event": "service_case_collected"})
    return case
