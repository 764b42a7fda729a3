"""Case pages: the window accepts (容缺/告知承诺 ticks), enterprises file online and follow their own cases, the
back office decides, the window issues; actions post back to the case page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yingshang.accounts.permissions import signed_in_user
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.core.masking import mask_id_number, mask_phone
from yingshang.enterprises.selectors import enterprise_find_by_uscc

from . import permissions as perm
from .forms import (
    ApplicantForm,
    CaseStartForm,
    ChecklistForm,
    CorrectionForm,
    DecideForm,
    IssueForm,
    OnlineApplyForm,
    RateForm,
    SupplyForm,
    VerifyForm,
)
from .models import ApplicantKind, CaseState, MaterialStatus, ServiceCase, TaskState
from .selectors import (
    bundle_plan,
    can_use_cases,
    case_get_for,
    case_list,
    case_timeline,
    is_back_office,
    is_window_clerk,
    plan_for_items,
)
from .services import (
    case_accept,
    case_accept_submitted,
    case_collect,
    case_correction_done,
    case_issue,
    case_submit_online,
    task_decide,
)
from .services_feedback import case_rate
from .services_materials import commitment_verify, material_supply


def _require_case_user(request: HttpRequest) -> None:
    if not can_use_cases(request.user):
        raise PermissionDenied("您的角色无权查看办件")


@login_required
@require_GET
def cases(request: HttpRequest) -> HttpResponse:
    _require_case_user(request)
    user = signed_in_user(request)
    state = request.GET.get("state", "")
    if state not in CaseState.values:
        state = ""
    q = request.GET.get("q", "").strip()[:50]
    qs = case_list(
        user=user,
        state=state,
        q=q,
        rongque=request.GET.get("rongque") == "1",
        mine_pending=request.GET.get("todo") == "1",
    )
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "govservices/case_list.html",
        {
            "page": page,
            "state": state,
            "q": q,
            "states": CaseState.choices,
            "is_window": is_window_clerk(user),
            "is_back_office": is_back_office(user),
        },
    )


def _selection(request: HttpRequest) -> tuple[CaseStartForm, Any, Any, Any]:
    """The item or bundle picked in step one, with its (merged) materials."""
    start = CaseStartForm(request.GET if ("item" in request.GET or "bundle" in request.GET) else None)
    if not start.is_bound or not start.is_valid():
        return start, None, None, None
    item, bundle = start.cleaned_data.get("item"), start.cleaned_data.get("bundle")
    plan = bundle_plan(bundle) if bundle else plan_for_items([item] if item else [])
    return start, item, bundle, plan


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    """一窗受理: pick the item or bundle, then the applicant and the materials checklist."""
    user = signed_in_user(request)
    perm.require(is_window_clerk(user), "只有综合窗口工作人员可以受理办件")
    start, item, bundle, plan = _selection(request)
    applicant = checklist = None
    if plan is not None:
        applicant = ApplicantForm(request.POST or None, initial={"applicant_kind": ApplicantKind.ENTERPRISE})
        checklist = ChecklistForm(request.POST or None, materials=plan.materials)
        if request.method == "POST" and applicant.is_valid() and checklist.is_valid():
            d = applicant.cleaned_data
            enterprise = None
            if d["applicant_kind"] == ApplicantKind.ENTERPRISE:
                enterprise = enterprise_find_by_uscc(d["enterprise_uscc"].strip().upper())
                if enterprise is None:
                    applicant.add_error("enterprise_uscc", "企业库中没有该统一社会信用代码")
            if not applicant.errors:
                try:
                    case = case_accept(
                        by=user,
                        item=item,
                        bundle=bundle,
                        applicant_kind=d["applicant_kind"],
                        enterprise=enterprise,
                        applicant_name=d["applicant_name"],
                        applicant_phone=d["applicant_phone"],
                        applicant_id_number=d["applicant_id_number"],
                        checklist=checklist.decisions_by_key(),
                        due_date=checklist.due,
                    )
                except ApplicationError as exc:
                    target = checklist if exc.field in ("due_date", "materials") else applicant
                    target.add_error(exc.field if exc.field in target.fields else None, exc.message)
                else:
                    messages.success(request, f"已受理,办件编号 {case.number}")
                    return redirect("govservices:case_detail", pk=case.pk)
    elif request.method == "POST":
        raise Http404("请先选择事项")
    return render(
        request,
        "govservices/case_new.html",
        {"start": start, "plan": plan, "applicant": applicant, "checklist": checklist, "item": item, "bundle": bundle},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_apply(request: HttpRequest) -> HttpResponse:
    """网上申报 by an enterprise user; the window then checks the materials and accepts."""
    user = signed_in_user(request)
    perm.require(user.is_enterprise_user, "只有企业用户可以网上申报")
    start, item, bundle, plan = _selection(request)
    form = None
    if plan is not None:
        form = OnlineApplyForm(
            request.POST or None, initial={"applicant_name": user.display_name, "applicant_phone": user.phone}
        )
        if request.method == "POST" and form.is_valid():
            try:
                case = case_submit_online(by=user, item=item, bundle=bundle, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "已提交网上申报,窗口预审受理后将通知您")
                return redirect("govservices:case_detail", pk=case.pk)
    elif request.method == "POST":
        raise Http404("请先选择事项")
    return render(request, "govservices/case_apply.html", {"start": start, "plan": plan, "form": form})


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_case_user(request)
    user = signed_in_user(request)
    case = case_get_for(user, pk)
    materials = list(case.materials.all())
    tasks = list(case.tasks.select_related("item", "department", "decided_by"))
    window = is_window_clerk(user)
    own = perm.is_own_case(user, case)
    reveal = request.GET.get("unmask") == "1" and user.can_unmask_personal_data and not user.is_enterprise_user
    if reveal:
        audit_record(
            action=Action.PERSONAL_DATA_VIEWED,
            user=user,
            obj=case,
            detail={"fields": ["applicant_phone", "applicant_id_number"]},
        )
    # A reverse one-to-one that does not exist raises an AttributeError subclass, so getattr's default applies.
    rating = getattr(case, "rating", None)
    context = {
        "case": case,
        "materials": materials,
        "tasks": tasks,
        "timeline": case_timeline(case, user=user),
        "phone": case.applicant_phone if reveal or own else mask_phone(case.applicant_phone),
        "id_number": case.applicant_id_number if reveal else mask_id_number(case.applicant_id_number),
        "can_unmask": user.can_unmask_personal_data and not user.is_enterprise_user and not reveal,
        "is_window": window,
        "is_own": own,
        "can_supply": perm.can_supply(user, case)
        and case.state not in (CaseState.SUBMITTED, CaseState.REJECTED, CaseState.COLLECTED),
        "can_verify": perm.can_verify(user, case),
        "my_tasks": [
            t
            for t in tasks
            if perm.can_decide(user, t) and t.state == TaskState.PENDING and case.state == CaseState.ACCEPTED
        ],
        "outstanding": [m for m in materials if m.status == MaterialStatus.MISSING],
        "rating": rating,
        "rectification": getattr(rating, "rectification", None) if rating else None,
        "breaches": list(case.breaches.all()),
        "accept_form": ChecklistForm(materials=materials) if window and case.state == CaseState.SUBMITTED else None,
        "supply_form": SupplyForm(),
        "verify_form": VerifyForm(),
        "decide_form": DecideForm(),
        "issue_form": IssueForm(initial={"pickup_method": "window"}),
        "correction_form": CorrectionForm(),
        "rate_form": RateForm() if own and case.is_finished and rating is None else None,
    }
    return render(request, "govservices/case_detail.html", context)


def _act(request: HttpRequest, case: ServiceCase, action: Callable[[], Any], success: str) -> HttpResponse:
    try:
        action()
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("govservices:case_detail", pk=case.pk)


def _invalid(request: HttpRequest, case: ServiceCase, form: Any) -> HttpResponse:
    errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
    messages.error(request, f"提交内容有误:{errors}")
    return redirect("govservices:case_detail", pk=case.pk)


@login_required
@require_POST
def case_accept_online(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    case = case_get_for(user, pk)
    perm.require(is_window_clerk(user))
    form = ChecklistForm(request.POST, materials=list(case.materials.all()))
    if not form.is_valid():
        return _invalid(request, case, form)
    return _act(
        request,
        case,
        lambda: case_accept_submitted(case=case, by=user, checklist=form.decisions_by_pk(), due_date=form.due),
        "已受理",
    )


@login_required
@require_POST
def material_supply_view(request: HttpRequest, pk: int, mpk: int) -> HttpResponse:
    user = signed_in_user(request)
    case = case_get_for(user, pk)
    perm.require(perm.can_supply(user, case))
    material = perm.material_of(case, mpk)
    form = SupplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _invalid(request, case, form)
    return _act(
        request,
        case,
        lambda: material_supply(material=material, by=user, file=form.cleaned_data.get("file")),
        f"已补齐“{material.name}”",
    )


@login_required
@require_GET
def material_file(request: HttpRequest, pk: int, mpk: int) -> HttpResponseBase:
    user = signed_in_user(request)
    _require_case_user(request)
    material = perm.material_of(case_get_for(user, pk), mpk)
    if not material.file:
        raise Http404("该材料没有上传文件")
    return FileResponse(
        material.file.open("rb"), as_attachment=True, filename=(material.file.name or "material").rsplit("/", 1)[-1]
    )


@login_required
@require_POST
def material_verify(request: HttpRequest, pk: int, mpk: int) -> HttpResponse:
    user = signed_in_user(request)
    case = case_get_for(user, pk)
    perm.require(perm.can_verify(user, case), "只有承办部门可以核查告知承诺")
    material = perm.material_of(case, mpk)
    form = VerifyForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form)
    d = form.cleaned_data
    return _act(
        request,
        case,
        lambda: commitment_verify(material=material, by=user, truthful=d["truthful"], note=d["note"]),
        "已记录核查结果",
    )


@login_required
@require_POST
def task_decide_view(request: HttpRequest, pk: int, tpk: int) -> HttpResponse:
    user = signed_in_user(request)
    case = case_get_for(user, pk)
    task = perm.task_of(case, tpk)
    perm.require(perm.can_decide(user, task), "只有该事项的实施部门可以审批")
    form = DecideForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form)
    d = form.cleaned_data
    return _act(
        request,
        case,
        lambda: task_decide(task=task, by=user, decision=d["decision"], reason=d["reason"]),
        "已提交审批意见",
    )


@login_required
@require_POST
def case_correct(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    case = case_get_for(user, pk)
    perm.require(perm.is_own_case(user, case) or is_window_clerk(user))
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form)
    return _act(
        request, case, lambda: case_correction_done(case=case, by=user, note=form.cleaned_data["note"]), "已提交补正"
    )


@login_required
@require_POST
def case_issue_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    case = case_get_for(user, pk)
    perm.require(is_window_clerk(user), "只有综合窗口工作人员可以出件")
    form = IssueForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form)
    d = form.cleaned_data
    return _act(
        request,
        case,
        lambda: case_issue(case=case, by=user, pickup_method=d["pickup_method"], locker_number=d["locker_number"]),
        "已出件并通知申请人",
    )


@login_required
@require_POST
def case_collect_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    case = case_get_for(user, pk)
    perm.require(perm.is_own_case(user, case) or is_window_clerk(user))
    return _act(request, case, lambda: case_collect(case=case, by=user), "已登记领取")


@login_required
@require_POST
def case_rate_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    case = case_get_for(user, pk)
    perm.require(perm.is_own_case(user, case), "只有申请人可以评价")
    form = RateForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form)
    d = form.cleaned_data
    return _act(
        request, case, lambda: case_rate(case=case, by=user, score=d["score"], comment=d["comment"]), "感谢您的评价"
    )
