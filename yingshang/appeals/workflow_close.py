"""Closing transitions of an appeal: 审核, 回访/企业评价 (with 重办), merging duplicates and 核减 (see workflow.py for
the state diagram; the same rules: role, source state and version checked, event + audit row in one transaction)."""

from __future__ import annotations

from django.db import transaction

from yingshang.accounts.models import User
from yingshang.accounts.roles import Role
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.core.notifications import notify
from yingshang.core.workdays import add_working_days, working_days_between

from .events import (
    department_staff,
    enterprise_contacts,
    lock,
    record_event,
    require_state,
    save_versioned,
    set_stage_deadline,
    today,
)
from .events import now as clock_now
from .models import (
    Appeal,
    AppealState,
    Assignment,
    AssignmentState,
    FollowUp,
    FollowUpSource,
    Rating,
    Resolution,
    Review,
    ReviewDecision,
)
from .workflow import _audit, _link, _require_office, _transition

DISSATISFIED_RATINGS = (Rating.DISSATISFIED, Rating.VERY_DISSATISFIED)


# ---- review, follow-up ----------------------------------------------------------------------------------------


@transaction.atomic
def appeal_review(*, appeal: Appeal, by: User, approve: bool, comment: str = "", version: int | None = None) -> Appeal:
    """审核: accept the reply (→ 待回访, the enterprise is told) or send it back to the department (→ 办理中)."""
    _require_office(by)
    if not approve and not (comment or "").strip():
        raise ApplicationError("退回重办须填写审核意见", field="comment")
    appeal = lock(appeal, expected_version=version)
    require_state(appeal, AppealState.REPLIED, action="审核")
    Review.objects.create(
        appeal=appeal,
        reviewer=by,
        decision=ReviewDecision.APPROVE if approve else ReviewDecision.SEND_BACK,
        comment=comment.strip(),
        created_at=clock_now(),
    )
    if approve:
        previous = _transition(appeal, AppealState.REVIEWED)
        save_versioned(appeal, ["state"])
        notify(
            recipients=enterprise_contacts(appeal),
            title=f"您的诉求已有答复:{appeal.number}",
            body="请登录查看办理结果并进行评价",
            link=_link(appeal),
            category="appeals",
            sms=True,
        )
    else:
        previous = _transition(appeal, AppealState.HANDLING)
        appeal.finished_late = False
        appeal.replied_at = None
        set_stage_deadline(appeal, appeal.handle_deadline)
        save_versioned(appeal, ["state", "finished_late", "replied_at", "deadline", "yellow_from"])
        if appeal.lead_department is not None:
            notify(
                recipients=department_staff(appeal.lead_department),
                title=f"诉求答复被退回:{appeal.number}",
                body=comment.strip(),
                link=_link(appeal),
                category="appeals",
                sms=True,
            )
    record_event(
        appeal=appeal,
        kind="reviewed" if approve else "sent_back",
        title="审核通过,办理结果已告知企业" if approve else "审核退回,要求重新办理",
        by=by,
        note=comment,
        from_state=previous,
        to_state=appeal.state,
        internal=not approve,
    )
    _audit(by, appeal, "review", approved=approve)
    return appeal


@transaction.atomic
def appeal_follow_up(
    *,
    appeal: Appeal,
    by: User,
    reached: bool = True,
    resolution: str = "",
    rating: int | None = None,
    comment: str = "",
    version: int | None = None,
) -> FollowUp:
    """回访 by the office, or the enterprise's own rating. Unsolved or dissatisfied reopens (重办); otherwise closes."""
    is_enterprise = by.role == Role.ENTERPRISE
    if is_enterprise:
        if appeal.enterprise_id is None or appeal.enterprise_id != by.enterprise_id:
            raise PermissionDeniedError("只能评价本企业的诉求")
        reached = True
    else:
        _require_office(by)
    appeal = lock(appeal, expected_version=version)
    require_state(appeal, AppealState.REVIEWED, action="回访评价")
    if reached:
        if resolution not in Resolution.values:
            raise ApplicationError("请选择解决情况", field="resolution")
        if rating is None or int(rating) not in Rating.values:
            raise ApplicationError("请选择满意度", field="rating")
    now = clock_now()
    reopen = reached and (resolution == Resolution.UNSOLVED or int(rating or 0) in DISSATISFIED_RATINGS)
    follow_up = FollowUp.objects.create(
        appeal=appeal,
        source=FollowUpSource.ENTERPRISE if is_enterprise else FollowUpSource.OFFICE,
        by=by,
        reached=reached,
        resolution=resolution if reached else "",
        rating=int(rating) if reached and rating is not None else None,
        comment=(comment or "").strip()[:1000],
        reopened=reopen,
        created_at=now,
    )
    previous = appeal.state
    who = "企业评价" if is_enterprise else "营商办回访"
    if not reached:
        save_versioned(appeal, [])
        title = f"{who}:未联系上企业"
    else:
        appeal.last_resolution = resolution
        appeal.last_rating = int(rating or 0)
        fields = ["last_resolution", "last_rating"]
        rating_label = Rating(int(rating or 0)).label
        if reopen:
            _transition(appeal, AppealState.HANDLING)
            appeal.reopen_count += 1
            appeal.replied_at = None
            appeal.finished_late = False
            appeal.handle_deadline = add_working_days(today(), appeal.category.limit_for(appeal.urgency))
            set_stage_deadline(appeal, appeal.handle_deadline)
            fields += [
                "state",
                "reopen_count",
                "replied_at",
                "finished_late",
                "handle_deadline",
                "deadline",
                "yellow_from",
            ]
            title = f"{who}:{Resolution(resolution).label}、{rating_label},启动重办"
        else:
            _transition(appeal, AppealState.CLOSED)
            appeal.closed_at = now
            spent = working_days_between(appeal.created_at, now) - appeal.paused_days
            appeal.working_days_to_close = max(0, spent)
            fields += ["state", "closed_at", "working_days_to_close"]
            title = f"{who}:{Resolution(resolution).label}、{rating_label},诉求办结"
        save_versioned(appeal, fields)
    record_event(
        appeal=appeal,
        kind="follow_up",
        title=title,
        by=by,
        note=comment,
        from_state=previous,
        to_state=appeal.state,
        data={"resolution": resolution, "rating": rating, "reached": reached},
    )
    _audit(by, appeal, "follow_up", resolution=resolution, rating=rating, reopened=reopen)
    if reopen and appeal.lead_department is not None:
        notify(
            recipients=department_staff(appeal.lead_department),
            title=f"诉求重办:{appeal.number}",
            body=f"回访结果为{Resolution(resolution).label},请于 {appeal.handle_deadline:%Y-%m-%d} 前重新办理",
            link=_link(appeal),
            category="appeals",
            sms=True,
        )
    return follow_up


# ---- merge, 核减 -----------------------------------------------------------------------------------------------


@transaction.atomic
def appeal_merge(*, appeal: Appeal, into: Appeal, by: User, reason: str = "", version: int | None = None) -> Appeal:
    """Merge a duplicate into another appeal: the duplicate stops (已合并) and points at the one handled."""
    _require_office(by)
    if appeal.pk == into.pk:
        raise ApplicationError("不能把诉求并入它自身", field="into")
    appeal = lock(appeal, expected_version=version)
    target = Appeal.objects.select_for_update().get(pk=into.pk)
    if appeal.state in (AppealState.CLOSED, AppealState.MERGED):
        raise ApplicationError("已办结或已合并的诉求不能再合并")
    if target.state == AppealState.MERGED:
        raise ApplicationError(f"{target.number} 本身已并入其他诉求,请选择最终办理的诉求", field="into")
    Assignment.objects.filter(appeal=appeal, state__in=[AssignmentState.PENDING, AssignmentState.SIGNED]).update(
        state=AssignmentState.WITHDRAWN
    )
    previous = _transition(appeal, AppealState.MERGED)
    appeal.merged_into = target
    set_stage_deadline(appeal, None)
    save_versioned(appeal, ["state", "merged_into", "deadline", "yellow_from"])
    record_event(
        appeal=appeal,
        kind="merged",
        title=f"作为重复诉求并入 {target.number}",
        by=by,
        note=reason,
        from_state=previous,
        to_state=appeal.state,
    )
    record_event(
        appeal=target, kind="merged_in", title=f"并入重复诉求 {appeal.number}", by=by, note=reason, internal=True
    )
    _audit(by, appeal, "merge", into=target.pk)
    return appeal


@transaction.atomic
def appeal_exclude(*, appeal: Appeal, by: User, reason: str, excluded: bool = True) -> Appeal:
    """核减: the appeal stays in the ledger, with the reason shown, but leaves the department statistics."""
    _require_office(by)
    if excluded and not (reason or "").strip():
        raise ApplicationError("核减须填写理由", field="reason")
    appeal = lock(appeal, expected_version=None)
    appeal.excluded = excluded
    appeal.exclusion_reason = reason.strip() if excluded else ""
    appeal.excluded_by = by if excluded else None
    appeal.excluded_at = clock_now() if excluded else None
    save_versioned(appeal, ["excluded", "exclusion_reason", "excluded_by", "excluded_at"])
    record_event(
        appeal=appeal,
        kind="excluded" if excluded else "exclusion_cancelled",
        title="核减(不计入部门考核)" if excluded else "取消核减",
        by=by,
        note=reason,
        internal=True,
    )
    audit_record(action=Action.APPEAL_EXCLUDED, user=by, obj=appeal, detail={"excluded": excluded, "reason": reason})
    return appeal
