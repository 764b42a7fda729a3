"""Appeal pages: file (enterprise) and record (staff), my appeals, the department inbox, the appeal page with the
actions the user may take in the appeal's current state, and the POST endpoints of those actions.

Views stay thin: visibility from selectors (404 when not visible), rules and writes in services. A stale version
re-renders the page with a conflict message (status 409) instead of overwriting someone else's change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yingshang.accounts.models import User
from yingshang.accounts.permissions import cap_required, signed_in_user
from yingshang.accounts.roles import Cap, Role
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from yingshang.core.masking import mask_phone

from . import forms as f
from .models import Appeal, AppealAttachment, AppealState, Extension, RequestState, Supervision, Suspension
from .selectors import (
    appeal_get_for,
    appeal_timeline,
    appeal_visible_to,
    can_see_content,
    colour_of,
    department_inbox,
    in_handling_chain,
    with_colour,
)
from .services import (
    appeal_dispatch,
    appeal_exclude,
    appeal_extension_decide,
    appeal_extension_request,
    appeal_file,
    appeal_follow_up,
    appeal_merge,
    appeal_reply,
    appeal_resume,
    appeal_return,
    appeal_review,
    appeal_sign,
    appeal_supervise,
    appeal_suspension_decide,
    appeal_suspension_request,
    supervision_remind,
    supervision_reply,
)


def _enterprise_required(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if user.role != Role.ENTERPRISE or not user.enterprise_id:
        raise PermissionDenied("只有企业用户可以使用此页面")
    return user


# ---- enterprise ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def my_appeals(request: HttpRequest) -> HttpResponse:
    user = _enterprise_required(request)
    qs = with_colour(appeal_visible_to(user)).select_related("category").order_by("-created_at")
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "appeals/mine.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def appeal_new(request: HttpRequest) -> HttpResponse:
    user = _enterprise_required(request)
    form = f.AppealFileForm(request.POST or None, request.FILES or None)
    if not request.POST:
        form.initial.update({"contact_name": user.display_name, "contact_phone": user.phone})
    if request.method == "GET":
        # The Q&A assistant links here (?title=…&description=…) when it has no answer, so the question carries over.
        prefill = {
            "title": request.GET.get("title", "").strip()[:200],
            "description": request.GET.get("description", "").strip(),
        }
        form.initial.update({k: v for k, v in prefill.items() if v})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = appeal_file(
                by=user,
                category=data["category"],
                title=data["title"],
                description=data["description"],
                enterprise=user.enterprise,
                urgency=data["urgency"],
                confidential=data["confidential"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                attachments=data["attachments"],
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"诉求已提交,编号 {result.appeal.number}")
            return redirect("appeals:detail", pk=result.appeal.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "on_behalf": False, "idempotency_key": _form_key(request)}
    return render(request, "appeals/file.html", context, status=status)


@cap_required(Cap.RECORD_APPEALS)
@require_http_methods(["GET", "POST"])
def appeal_record(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = f.AppealRecordForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = appeal_file(
                by=user,
                category=data["category"],
                title=data["title"],
                description=data["description"],
                enterprise=data["enterprise"],
                enterprise_name=data["enterprise_name"],
                channel=data["channel"],
                external_id=data["external_id"],
                urgency=data["urgency"],
                confidential=data["confidential"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                attachments=data["attachments"],
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if result.created:
                messages.success(request, f"已登记诉求 {result.appeal.number}")
            else:
                messages.info(request, f"该工单已登记过,编号 {result.appeal.number}")
            return redirect("appeals:detail", pk=result.appeal.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "on_behalf": True, "idempotency_key": _form_key(request)}
    return render(request, "appeals/file.html", context, status=status)


def _form_key(request: HttpRequest) -> str:
    """One Idempotency-Key per rendered form: a double click or a re-sent page files the appeal once."""
    sent = request.POST.get("idempotency_key", "")
    return sent if 8 <= len(sent) <= 64 else uuid.uuid4().hex


# ---- department ---------------------------------------------------------------------------------------------


@cap_required(Cap.HANDLE_APPEALS)
@require_GET
def department_inbox_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    state = request.GET.get("state", "")
    assignments = department_inbox(user, state=state if state in AppealState.values else "")
    return render(
        request,
        "appeals/inbox.html",
        {"assignments": assignments, "state": state, "states": AppealState.choices, "department": user.department},
    )


# ---- the appeal page ----------------------------------------------------------------------------------------


def _actions(user: User, appeal: Appeal) -> dict[str, bool]:
    office = user.has_cap(Cap.DISPATCH_APPEALS)
    assignments = list(appeal.assignments.select_related("department"))
    mine = [a for a in assignments if a.department_id == user.department_id and user.has_cap(Cap.HANDLE_APPEALS)]
    pending_mine = [a for a in mine if a.state == "pending"]
    lead_signed = any(a.role == "lead" and a.state == "signed" for a in mine)
    signed_mine = any(a.state == "signed" for a in mine)
    open_state = appeal.state not in (AppealState.CLOSED, AppealState.MERGED)
    return {
        "dispatch": office and appeal.state == AppealState.SUBMITTED,
        "sign": bool(pending_mine),
        "return": bool(pending_mine),
        "reply": signed_mine and appeal.state == AppealState.HANDLING,
        "extension": lead_signed and appeal.state == AppealState.HANDLING,
        "suspension": lead_signed and appeal.state == AppealState.HANDLING,
        "resume": appeal.state == AppealState.SUSPENDED and (office or lead_signed),
        "decide": office,
        "supervise": office and appeal.state in (AppealState.DISPATCHED, AppealState.HANDLING, AppealState.SUSPENDED),
        "supervision_reply": any(a.role == "lead" for a in mine),
        "review": office and appeal.state == AppealState.REPLIED,
        "follow_up": office and appeal.state == AppealState.REVIEWED,
        "rate": user.role == Role.ENTERPRISE and appeal.state == AppealState.REVIEWED,
        "merge": office and open_state,
        "exclude": office,
    }


def _initial_forms(appeal: Appeal) -> dict[str, Any]:
    v = {"version": appeal.version}
    lead = appeal.category.default_department_id
    return {
        "dispatch_form": f.DispatchForm(initial={**v, "lead": appeal.lead_department_id or lead}),
        "return_form": f.ReasonForm(initial=v),
        "reply_form": f.ReplyForm(initial=v),
        "extension_form": f.ExtensionForm(initial=v),
        "suspension_form": f.ReasonForm(initial=v),
        "supervise_form": f.SuperviseForm(initial=v),
        "review_form": f.ReviewForm(initial={**v, "approve": "1"}),
        "follow_up_form": f.FollowUpForm(initial=v),
        "rate_form": f.RateForm(initial=v),
        "merge_form": f.MergeForm(initial=v),
        "exclude_form": f.ExcludeForm(initial={"excluded": "0" if appeal.excluded else "1"}),
    }


def _render_detail(
    request: HttpRequest, appeal: Appeal, *, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = signed_in_user(request)
    staff_chain = user.role != Role.ENTERPRISE and in_handling_chain(user, appeal)
    content = can_see_content(user, appeal)
    # The enterprise sees the department's result once the office has reviewed it.
    replies_visible = staff_chain or appeal.state in (AppealState.REVIEWED, AppealState.CLOSED)
    context: dict[str, Any] = {
        "appeal": appeal,
        "colour": colour_of(appeal),
        "content_visible": content,
        "staff_chain": staff_chain,
        "is_staff": user.role != Role.ENTERPRISE,
        "timeline": appeal_timeline(appeal, user=user),
        "attachments": appeal.attachments.filter(reply__isnull=True) if content else [],
        "replies": appeal.replies.select_related("department").prefetch_related("attachments")
        if replies_visible and content
        else [],
        "assignments": appeal.assignments.select_related("department") if user.role != Role.ENTERPRISE else [],
        "supervisions": appeal.supervisions.all() if staff_chain else [],
        "extensions": appeal.extensions.select_related("requested_by") if staff_chain else [],
        "suspensions": appeal.suspensions.select_related("requested_by") if staff_chain else [],
        "follow_ups": appeal.follow_ups.select_related("by") if content else [],
        "actions": _actions(user, appeal),
        "can_unmask": bool(getattr(user, "can_unmask_personal_data", False)) and staff_chain,
        "masked_phone": mask_phone(appeal.contact_phone),
        **_initial_forms(appeal),
        **(bound or {}),
    }
    return render(request, "appeals/detail.html", context, status=status)


@login_required
@require_GET
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, appeal_get_for(request.user, pk))


@login_required
@require_POST
def phone_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    appeal = appeal_get_for(user, pk)
    if not (user.can_unmask_personal_data and user.role != Role.ENTERPRISE and in_handling_chain(user, appeal)):
        raise PermissionDenied("您没有查看完整号码的权限")
    audit_record(action=Action.PERSONAL_DATA_VIEWED, user=user, obj=appeal, detail={"field": "contact_phone"})
    return HttpResponse(appeal.contact_phone or "—")


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponseBase:
    user = signed_in_user(request)
    appeal = appeal_get_for(user, pk)
    if not can_see_content(user, appeal):
        raise Http404("未找到附件")
    attachment = AppealAttachment.objects.filter(pk=attachment_id, appeal=appeal).first()
    if attachment is None:
        raise Http404("未找到附件")
    if (
        attachment.reply_id
        and user.role == Role.ENTERPRISE
        and appeal.state
        not in (
            AppealState.REVIEWED,
            AppealState.CLOSED,
        )
    ):
        raise Http404("未找到附件")
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


# ---- actions --------------------------------------------------------------------------------------------------

ActionFn = Callable[[User, Appeal, dict[str, Any]], str]


def _action(
    form_class: type[f.StyledForm], context_name: str, *, caps: tuple[str, ...] = (), enterprise: bool = False
) -> Callable[[ActionFn], Callable[..., HttpResponseBase]]:
    """POST endpoint for one action: role check (403), visibility (404), form (400), service errors (400/409)."""

    def decorator(perform: ActionFn) -> Callable[..., HttpResponseBase]:
        @login_required
        @require_POST
        def view(request: HttpRequest, pk: int) -> HttpResponseBase:
            user = signed_in_user(request)
            if enterprise and user.role != Role.ENTERPRISE:
                raise PermissionDenied("只有企业用户可以评价")
            if caps and not any(user.has_cap(cap) for cap in caps):
                raise PermissionDenied("您的角色无权进行此操作")
            appeal = appeal_get_for(user, pk)
            form = form_class(request.POST, request.FILES)
            if not form.is_valid():
                messages.error(request, "提交的内容有误,请检查后重试")
                return _render_detail(request, appeal, bound={context_name: form}, status=400)
            try:
                done = perform(user, appeal, form.cleaned_data)
            except PermissionDeniedError as exc:
                raise PermissionDenied(exc.message) from exc
            except ConflictError as exc:
                messages.error(request, exc.message)
                fresh = appeal_get_for(user, pk)
                return _render_detail(request, fresh, status=409)
            except ApplicationError as exc:
                if exc.field and exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
                messages.error(request, exc.message)
                return _render_detail(request, appeal_get_for(user, pk), bound={context_name: form}, status=400)
            messages.success(request, done)
            return redirect("appeals:detail", pk=appeal.pk)

        view.__name__ = perform.__name__
        return view

    return decorator


@_action(f.DispatchForm, "dispatch_form", caps=(Cap.DISPATCH_APPEALS,))
def act_dispatch(user: User, appeal: Appeal, data: dict[str, Any]) -> str:
    appeal_dispatch(
        appeal=appeal,
        lead=data["lead"],
        assists=list(data["assists"]),
        by=user,
        note=data["note"],
        version=data["version"],
    )
    return f"已分派至{data['lead'].name}"


@_action(f.VersionForm, "sign_form", caps=(Cap.HANDLE_APPEALS,))
def act_sign(user: User, appeal: Appeal, data: dict[str, Any]) -> str:
    appeal_sign(appeal=appeal, by=user, version=data["version"])
    return "已签收"


@_action(f.ReasonForm, "return_form", caps=(Cap.HANDLE_APPEALS,))
def act_return(user: User, appeal: Appeal, data: dict[str, Any]) -> str:
    appeal_return(appeal=appeal, by=user, reason=data["reason"], version=data["version"])
    return "已退单,等待营商办重新分派"


@_action(f.ReplyForm, "reply_form", caps=(Cap.HANDLE_APPEALS,))
def act_reply(user: User, appeal: Appeal, data: dict[str, Any]) -> str:
    appeal_reply(
        appeal=appeal, by=user, content=data["content"], attachments=data["attachments"], version=data["version"]
    )
    return "办理结果已提交,等待营商办审核"


@_action(f.ExtensionForm, "extension_form", caps=(Cap.HANDLE_APPEALS,))
def act_extension(user: User, appeal: Appeal, data: dict[str, Any]) -> str:
    appeal_extension_request(appeal=appeal, by=user, days=data["days"], reason=data["reason"], version=data["version"])
    return "延期申请已提交"


@_action(f.ReasonForm, "suspension_form", caps=(Cap.HANDLE_APPEALS,))
def act_suspension(user: User, appeal: Appeal, data: dict[str, Any]) -> str:
    appeal_suspension_request(appeal=appeal, by=user, reason=data["reason"], version=data["version"])
    return "挂起申请已提交"


@_action(f.DecisionForm, "decision_form", caps=(Cap.DISPATCH_APPEALS,))
def act_decide(user: User, appeal: Appeal, data: dict[str, Any]) -> str:
    model: type[Extension] | type[Suspension] = Extension if data["kind"] == "extension" else Suspension
    request = model.objects.filter(pk=data["request_id"], appeal=appeal, state=RequestState.PENDING).first()
    if request is None:
        raise ApplicationError("该申请不存在或已审批")
    if isinstance(request, Extension):
        appeal_extension_decide(
            extension=request, by=user, approve=data["approve"], note=data["note"], version=data["version"]
        )
    else:
        appeal_suspension_decide(
            suspension=request, by=user, approve=data["approve"], note=data["note"], version=data["version"]
        )
    return "已批准" if data["approve"] else "已驳回"


@_action(f.VersionForm, "resume_form", caps=(Cap.DISPATCH_APPEALS, Cap.HANDLE_APPEALS))
def act_resume(user: User, appeal: Appeal, data: dict[str, Any]) -> str:
    appeal_resume(appeal=appeal, by=user, version=data["version"])
    return "已恢复办理,办理时限已顺延"


@_action(f.SuperviseForm, "supervise_form", caps=(Cap.DISPATCH_APPEALS,))
def act_supervise(user: User, appeal: Appeal, data: dict[str, Any]) -> str:
    appeal_supervise(
        appeal=appeal,
        by=user,
        level=data["level"],
        opinion=data["opinion"],
        deadline=data["deadline"],
        version=data["version"],
    )
    return "已发起督办,已短信通知主办部门"


def _supervision(appeal: Appeal, pk: int) -> Supervision:
    supervision = Supervision.objects.filter(pk=pk, appeal=appeal).first()
    if supervision is None:
        raise ApplicationError("督办记录不存在")
    return supervision


@_action(f.RemindForm, "remind_form", caps=(Cap.DISPATCH_APPEALS,))
def act_remind(user: User, appeal: Appeal, data: dict[str, Any]) -> str:
    supervision = supervision_remind(supervision=_supervision(appeal, data["supervision_id"]), by=user)
    return f"已催办(第 {supervision.reminders_sent} 次)"


@_action(f.SupervisionReplyForm, "supervision_reply_form", caps=(Cap.HANDLE_APPEALS,))
def act_supervision_reply(user: User, appeal: Appeal, data: dict[str, Any]) -> str:
    supervision_reply(supervision=_supervision(appeal, data["supervision_id"]), by=user, reply=data["reply"])
    return "督办回复已提交"


@_action(f.ReviewForm, "review_form", caps=(Cap.DISPATCH_APPEALS,))
def act_review(user: User, appeal: Appeal, data: dict[str, Any]) -> str:
    appeal_review(appeal=appeal, by=user, approve=data["approve"], comment=data["comment"], version=data["version"])
    return "审核通过,已告知企业" if data["approve"] else "已退回部门重办"


@_action(f.FollowUpForm, "follow_up_form", caps=(Cap.DISPATCH_APPEALS,))
def act_follow_up(user: User, appeal: Appeal, data: dict[str, Any]) -> str:
    result = appeal_follow_up(
        appeal=appeal,
        by=user,
        reached=data["reached"],
        resolution=data["resolution"],
        rating=data["rating"],
        comment=data["comment"],
        version=data["version"],
    )
    if not result.reached:
        return "已记录回访(未联系上)"
    return "回访已记录,诉求重办" if result.reopened else "回访已记录,诉求办结"


@_action(f.RateForm, "rate_form", enterprise=True)
def act_rate(user: User, appeal: Appeal, data: dict[str, Any]) -> str:
    result = appeal_follow_up(
        appeal=appeal,
        by=user,
        resolution=data["resolution"],
        rating=data["rating"],
        comment=data["comment"],
        version=data["version"],
    )
    return "感谢评价,诉求将重新办理" if result.reopened else "感谢您的评价"


@_action(f.MergeForm, "merge_form", caps=(Cap.DISPATCH_APPEALS,))
def act_merge(user: User, appeal: Appeal, data: dict[str, Any]) -> str:
    target = appeal_visible_to(user).filter(number=data["into"].strip().upper()).first()
    if target is None:
        raise ApplicationError("找不到该编号的诉求", field="into")
    appeal_merge(appeal=appeal, into=target, by=user, reason=data["reason"], version=data["version"])
    return f"已并入 {target.number}"


@_action(f.ExcludeForm, "exclude_form", caps=(Cap.DISPATCH_APPEALS,))
def act_exclude(user: User, appeal: Appeal, data: dict[str, Any]) -> str:
    appeal_exclude(appeal=appeal, by=user, reason=data["reason"], excluded=data["excluded"])
    return "已核减" if data["excluded"] else "已取消核减"
