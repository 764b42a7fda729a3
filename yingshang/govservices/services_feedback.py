"""Writes for 好差评 (ratings and rectifications) and 帮办代办 (agency requests and their steps)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from yingshang.accounts.models import User
from yingshang.accounts.roles import Cap
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.core.notifications import notify
from yingshang.core.workdays import add_working_days

from .models import (
    FINISHED_STATES,
    RECTIFICATION_WORKING_DAYS,
    AgencyRequest,
    AgencyState,
    AgencyStep,
    Rating,
    RatingChannel,
    Rectification,
    Score,
    ServiceCase,
)
from .selectors import is_window_clerk
from .services import _department_staff, _office_users, event_add


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


# ---------------------------------------------------------------------------------------------------------------
# 好差评
# ---------------------------------------------------------------------------------------------------------------


@transaction.atomic
def case_rate(*, case: ServiceCase, by: Any, score: int, comment: str = "", now: datetime | None = None) -> Rating:
    """The applicant rates a finished case once, online or on the window's rating pad (好差评评价器, recorded
    under the clerk at the desk); a 差评 opens a rectification for the department."""
    case = ServiceCase.objects.select_for_update().get(pk=case.pk)
    own = getattr(by, "is_enterprise_user", False) and case.enterprise_id and by.enterprise_id == case.enterprise_id
    if own:
        channel = RatingChannel.ONLINE
    elif is_window_clerk(by):
        channel = RatingChannel.PAD
    else:
        raise PermissionDeniedError("只有申请人可以评价本办件")
    if case.state not in FINISHED_STATES:
        raise ApplicationError("办件办结后才能评价")
    if score not in Score.values:
        raise ApplicationError("请选择 1 至 5 分的评价", field="score")
    moment = _now(now)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                case=case, score=score, comment=comment.strip(), rated_by=by, rated_at=moment, channel=channel
            )
    except IntegrityError as exc:
        raise ApplicationError("该办件已评价过") from exc
    event_add(case, actor=by, kind="rated", summary=f"申请人评价:{Score(score).label}", at=moment)
    audit_record(action=Action.RECORD_CREATED, user=by, obj=case, detail={"event": "service_rated", "score": score})
    if rating.is_poor:
        due = add_working_days(timezone.localdate(moment), RECTIFICATION_WORKING_DAYS)
        Rectification.objects.create(rating=rating, department=case.department, due_date=due)
        event_add(
            case,
            actor=None,
            kind="rectification",
            summary=f"差评已转{case.department.name}整改,须于 {due:%Y-%m-%d} 前答复",
            at=moment,
        )
        notify(
            recipients=[*_department_staff(case.department_id), *_office_users()],
            title=f"差评待整改:{case.title}",
            body=f"办件 {case.number} 收到“{Score(score).label}”评价,请于 {due:%Y-%m-%d} 前答复整改情况。{comment.strip()}",
            link=reverse("govservices:rectification_list"),
            category="govservices",
        )
    return rating


@transaction.atomic
def rectification_answer(
    *, rectification: Rectification, by: Any, answer: str, now: datetime | None = None
) -> Rectification:
    rectification = Rectification.objects.select_for_update().select_related("rating__case").get(pk=rectification.pk)
    if not by.has_cap(Cap.HANDLE_SERVICE_CASES) or by.department_id != rectification.department_id:
        raise PermissionDeniedError("只有被评价的部门可以答复整改")
    if rectification.answered_at is not None:
        raise ApplicationError("该差评已答复整改")
    if len(answer.strip()) < 5:
        raise ApplicationError("请具体说明整改措施和结果", field="answer")
    moment = _now(now)
    rectification.answer = answer.strip()
    rectification.answered_at = moment
    rectification.answered_by = by
    rectification.save()
    late = timezone.localdate(moment) > rectification.due_date
    event_add(
        rectification.rating.case,
        actor=by,
        kind="rectified",
        summary=f"差评整改答复{'(已超期)' if late else ''}:{answer.strip()}",
        at=moment,
    )
    audit_record(
        action=Action.RECORD_UPDATED, user=by, obj=rectification.rating.case, detail={"event": "rectification_answered"}
    )
    return rectification


# ---------------------------------------------------------------------------------------------------------------
# 帮办代办
# ---------------------------------------------------------------------------------------------------------------


@transaction.atomic
def agency_request_create(
    *,
    by: Any,
    subject: str,
    project_name: str = "",
    description: str = "",
    contact_name: str,
    contact_phone: str,
    now: datetime | None = None,
) -> AgencyRequest:
    if not getattr(by, "is_enterprise_user", False) or not by.enterprise_id:
        raise PermissionDeniedError("只有企业用户可以申请帮办代办")
    if not subject.strip():
        raise ApplicationError("请填写需要代办的事项", field="subject")
    if not contact_name.strip() or not contact_phone.strip():
        raise ApplicationError("请填写联系人和联系电话", field="contact_phone")
    request = AgencyRequest.objects.create(
        enterprise_id=by.enterprise_id,
        subject=subject.strip(),
        project_name=project_name.strip(),
        description=description.strip(),
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        requested_by=by,
        requested_at=_now(now),
    )
    audit_record(action=Action.RECORD_CREATED, user=by, obj=request, detail={"event": "agency_requested"})
    notify(
        recipients=[u for u in User.objects.filter(is_active=True) if u.has_cap(Cap.ASSIGN_SERVICE_AGENTS)],
        title=f"新的帮办代办申请:{request.subject}",
        body=f"{request.enterprise.name} 申请帮办代办",
        link=reverse("govservices:agency_detail", args=[request.pk]),
        category="govservices",
    )
    return request


@transaction.atomic
def agency_assign(*, request: AgencyRequest, by: Any, agent: Any, now: datetime | None = None) -> AgencyRequest:
    if not by.has_cap(Cap.ASSIGN_SERVICE_AGENTS):
        raise PermissionDeniedError("只有营商办可以分派代办员")
    request = AgencyRequest.objects.select_for_update().get(pk=request.pk)
    if request.state not in (AgencyState.REQUESTED, AgencyState.ASSIGNED):
        raise ApplicationError("该代办已办结或取消,不能再分派")
    if agent is None or not agent.is_active or not agent.has_cap(Cap.ACT_AS_SERVICE_AGENT):
        raise ApplicationError("请选择一名代办员(服务专员或部门工作人员)", field="agent")
    moment = _now(now)
    previous = request.agent
    request.agent = agent
    request.state = AgencyState.ASSIGNED
    request.assigned_at = moment
    request.save()
    note = f"营商办分派代办员:{agent.display_name}" + (f"(原代办员 {previous.display_name})" if previous else "")
    AgencyStep.objects.create(request=request, actor=by, note=note, created_at=moment)
    audit_record(
        action=Action.STATE_CHANGE, user=by, obj=request, detail={"event": "agency_assigned", "agent": agent.pk}
    )
    notify(
        recipients=[agent],
        title=f"您被分派帮办代办:{request.subject}",
        body=f"{request.enterprise.name},联系人 {request.contact_name}",
        link=reverse("govservices:agency_detail", args=[request.pk]),
        category="govservices",
        sms=True,
    )
    return request


def _require_agent(request: AgencyRequest, by: Any) -> None:
    if request.agent_id != getattr(by, "pk", None):
        raise PermissionDeniedError("只有被分派的代办员可以记录办理过程")
    if request.state != AgencyState.ASSIGNED:
        raise ApplicationError("该代办不在办理中")


@transaction.atomic
def agency_log_step(*, request: AgencyRequest, by: Any, note: str, now: datetime | None = None) -> AgencyStep:
    request = AgencyRequest.objects.select_for_update().get(pk=request.pk)
    _require_agent(request, by)
    if not note.strip():
        raise ApplicationError("请填写本次代办的内容", field="note")
    step = AgencyStep.objects.create(request=request, actor=by, note=note.strip(), created_at=_now(now))
    audit_record(action=Action.RECORD_UPDATED, user=by, obj=request, detail={"event": "agency_step"})
    return step


@transaction.atomic
def agency_finish(*, request: AgencyRequest, by: Any, result: str, now: datetime | None = None) -> AgencyRequest:
    request = AgencyRequest.objects.select_for_update().get(pk=request.pk)
    _require_agent(request, by)
    if not result.strip():
        raise ApplicationError("请填写办理结果", field="result")
    moment = _now(now)
    request.state = AgencyState.DONE
    request.result = result.strip()
    request.finished_at = moment
    request.save()
    AgencyStep.objects.create(request=request, actor=by, note=f"代办办结:{result.strip()}", created_at=moment)
    audit_record(action=Action.STATE_CHANGE, user=by, obj=request, detail={"event": "agency_done"})
    notify(
        recipients=[request.requested_by],
        title=f"帮办代办已办结:{request.subject}",
        body=result.strip(),
        link=reverse("govservices:agency_detail", args=[request.pk]),
        category="govservices",
    )
    return request
