"""The office's pages: 差评整改, 告知承诺失信记录, 帮办代办, and the service statistics with their export."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yingshang.accounts.permissions import cap_required, signed_in_user
from yingshang.accounts.roles import Cap
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.core.exports import write_xlsx, xlsx_response
from yingshang.core.masking import mask_phone

from .forms import AgencyAssignForm, AgencyFinishForm, AgencyRequestForm, AgencyStepForm, AnswerForm, PeriodForm
from .models import AgencyState
from .selectors import (
    agency_get_for,
    agency_visible_to,
    agent_candidates,
    breaches_visible_to,
    is_back_office,
    rectifications_visible_to,
)
from .services_feedback import (
    agency_assign,
    agency_finish,
    agency_log_step,
    agency_request_create,
    rectification_answer,
)
from .stats import STAT_HEADERS, service_stats, stats_rows

# ---- 差评整改 ----------------------------------------------------------------------------------------------------


def _sees_rectifications(user: object) -> bool:
    return bool(user.has_cap(Cap.VIEW_SERVICE_STATS) or is_back_office(user))  # type: ignore[attr-defined]


@login_required
@require_GET
def rectification_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not _sees_rectifications(user):
        raise PermissionDenied("您的角色无权查看差评整改")
    qs = rectifications_visible_to(user)
    if request.GET.get("open") == "1":
        qs = qs.filter(answered_at__isnull=True)
    return render(
        request,
        "govservices/rectification_list.html",
        {
            "page": Paginator(qs, 30).get_page(request.GET.get("page")),
            "today": timezone.localdate(),
            "form": AnswerForm(),
            "user_department": user.department_id,
            "can_answer": user.has_cap(Cap.HANDLE_SERVICE_CASES),
        },
    )


@login_required
@require_POST
def rectification_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    rectification = rectifications_visible_to(user).filter(pk=pk).first()
    if rectification is None:
        raise Http404("未找到该整改记录")
    if not (user.has_cap(Cap.HANDLE_SERVICE_CASES) and user.department_id == rectification.department_id):
        raise PermissionDenied("只有被评价的部门可以答复整改")
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            rectification_answer(rectification=rectification, by=user, answer=form.cleaned_data["answer"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已答复整改情况")
    else:
        messages.error(request, "请填写整改情况")
    return redirect("govservices:rectification_list")


@login_required
@require_GET
def breach_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not (user.has_cap(Cap.VIEW_SERVICE_STATS) or is_back_office(user)):
        raise PermissionDenied("您的角色无权查看告知承诺失信记录")
    return render(
        request,
        "govservices/breach_list.html",
        {"page": Paginator(breaches_visible_to(user), 30).get_page(request.GET.get("page"))},
    )


# ---- 帮办代办 ----------------------------------------------------------------------------------------------------


def _agency_user(user: object) -> bool:
    return bool(
        getattr(user, "is_enterprise_user", False)
        or user.has_cap(Cap.ASSIGN_SERVICE_AGENTS)  # type: ignore[attr-defined]
        or user.has_cap(Cap.ACT_AS_SERVICE_AGENT)  # type: ignore[attr-defined]
        or user.has_cap(Cap.VIEW_SERVICE_STATS)  # type: ignore[attr-defined]
    )


@login_required
@require_GET
def agency_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not _agency_user(user):
        raise PermissionDenied("您的角色无权查看帮办代办")
    qs = agency_visible_to(user)
    state = request.GET.get("state", "")
    if state in AgencyState.values:
        qs = qs.filter(state=state)
    return render(
        request,
        "govservices/agency_list.html",
        {"page": Paginator(qs, 30).get_page(request.GET.get("page")), "states": AgencyState.choices, "state": state},
    )


@login_required
@require_http_methods(["GET", "POST"])
def agency_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not user.is_enterprise_user:
        raise PermissionDenied("只有企业用户可以申请帮办代办")
    form = AgencyRequestForm(
        request.POST or None, initial={"contact_name": user.display_name, "contact_phone": user.phone}
    )
    if request.method == "POST" and form.is_valid():
        try:
            created = agency_request_create(by=user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已提交帮办代办申请,营商办将为您分派代办员")
            return redirect("govservices:agency_detail", pk=created.pk)
    return render(request, "govservices/agency_form.html", {"form": form})


@login_required
@require_GET
def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    if not _agency_user(user):
        raise PermissionDenied("您的角色无权查看帮办代办")
    item = agency_get_for(user, pk)
    is_agent = item.agent_id == user.pk and item.state == AgencyState.ASSIGNED
    can_assign = user.has_cap(Cap.ASSIGN_SERVICE_AGENTS) and item.state in (AgencyState.REQUESTED, AgencyState.ASSIGNED)
    return render(
        request,
        "govservices/agency_detail.html",
        {
            "item": item,
            "steps": item.steps.select_related("actor"),
            "phone": item.contact_phone if (user.is_enterprise_user or is_agent) else mask_phone(item.contact_phone),
            "is_agent": is_agent,
            "assign_form": AgencyAssignForm(agents=agent_candidates()) if can_assign else None,
            "step_form": AgencyStepForm(),
            "finish_form": AgencyFinishForm(),
        },
    )


@login_required
@require_POST
def agency_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    if not user.has_cap(Cap.ASSIGN_SERVICE_AGENTS):
        raise PermissionDenied("只有营商办可以分派代办员")
    item = agency_get_for(user, pk)
    form = AgencyAssignForm(request.POST, agents=agent_candidates())
    if form.is_valid():
        try:
            agency_assign(request=item, by=user, agent=form.cleaned_data["agent"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已分派代办员")
    else:
        messages.error(request, "请选择代办员")
    return redirect("govservices:agency_detail", pk=item.pk)


@login_required
@require_POST
def agency_step_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    item = agency_get_for(user, pk)
    if item.agent_id != user.pk:
        raise PermissionDenied("只有被分派的代办员可以记录办理过程")
    finishing = request.POST.get("finish") == "1"
    form = AgencyFinishForm(request.POST) if finishing else AgencyStepForm(request.POST)
    if form.is_valid():
        try:
            if finishing:
                agency_finish(request=item, by=user, result=form.cleaned_data["result"])
            else:
                agency_log_step(request=item, by=user, note=form.cleaned_data["note"])
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已办结" if finishing else "已记录")
    else:
        messages.error(request, "请填写内容")
    return redirect("govservices:agency_detail", pk=item.pk)


# ---- statistics --------------------------------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[PeriodForm, date, date]:
    today = timezone.localdate()
    start, end = date(today.year, 1, 1), today
    form = PeriodForm(request.GET or None, initial={"start": start, "end": end})
    if form.is_bound and form.is_valid():
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or end
        if start > end:
            start, end = end, start
    return form, start, end


@cap_required(Cap.VIEW_SERVICE_STATS)
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    form, start, end = _period(request)
    figures = service_stats(start=start, end=end)
    depts = figures.by_department[:15]
    chart = {
        "departments": [f.label for f in depts],
        "accepted": [f.accepted for f in depts],
        "on_time": [f.on_time_rate for f in depts],
        "satisfaction": [f.satisfaction_rate for f in depts],
        "months": [f.label for f in figures.by_month],
        "monthly_accepted": [f.accepted for f in figures.by_month],
        "monthly_online": [f.online_rate for f in figures.by_month],
    }
    return render(
        request,
        "govservices/stats.html",
        {
            "form": form,
            "stats": figures,
            "chart": chart,
            "query": request.GET.urlencode(),
        },
    )


@cap_required(Cap.VIEW_SERVICE_STATS)
@require_GET
def stats_export(request: HttpRequest) -> HttpResponseBase:
    _, start, end = _period(request)
    figures = service_stats(start=start, end=end)
    rows = stats_rows(figures)
    audit_record(
        action=Action.EXPORT,
        user=signed_in_user(request),
        detail={"event": "service_stats_export", "start": start.isoformat(), "end": end.isoformat(), "rows": len(rows)},
    )
    content = write_xlsx(title="政务服务统计", headers=STAT_HEADERS, rows=rows, widths=[36] + [12] * 15, freeze="B2")
    return xlsx_response(content, f"政务服务统计-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")
