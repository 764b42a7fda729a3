"""The reviewing department's pages: the application queue and decisions, 免申即享 grants, disbursement and 公示."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from yingshang.accounts.permissions import cap_required, signed_in_user
from yingshang.accounts.roles import Cap
from yingshang.core.errors import ApplicationError

from . import applications, grants
from .forms import ConfirmGrantForm, DisburseForm, ReviewForm, RevokeForm
from .models import ApplicationStatus, GrantStatus
from .outcomes import fen_text
from .selectors import application_get_for, applications_visible_to, grant_get_for, grants_visible_to, timeline


@cap_required(Cap.REVIEW_POLICY_APPLICATIONS)
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    status = request.GET.get("status", ApplicationStatus.SUBMITTED)
    qs = applications_visible_to(user)
    if status in ApplicationStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("submitted_at"), 30).get_page(request.GET.get("page"))
    return render(
        request, "policies/review_list.html", {"page": page, "status": status, "statuses": ApplicationStatus.choices}
    )


def _error_or(request: HttpRequest, action: Callable[[], object], success: str) -> None:
    try:
        action()
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)


def _form_action(
    request: HttpRequest,
    form: Form,
    *,
    back: HttpResponse,
    invalid: str,
    action: Callable[[dict[str, Any]], object],
    success: str,
) -> HttpResponse:
    """Validate the form, run the service with its cleaned data, flash the outcome and go back to the record.
    An empty POST (no form at all) is a bad request rather than a page with an error."""
    if not form.is_valid():
        if not request.POST:
            return HttpResponse(status=400)
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, invalid or errors)
        return back
    _error_or(request, lambda: action(form.cleaned_data), success)
    return back


@cap_required(Cap.REVIEW_POLICY_APPLICATIONS)
@require_POST
def application_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    application = application_get_for(user, pk)
    return _form_action(
        request,
        ReviewForm(request.POST),
        back=redirect("policies:application_detail", pk=pk),
        invalid="",
        action=lambda data: applications.application_review(
            application=application,
            by=user,
            decision=data["decision"],
            reason=data["reason"],
            approved_fen=data["approved"],
        ),
        success="审核结论已保存并通知企业",
    )


@cap_required(Cap.REVIEW_POLICY_APPLICATIONS)
@require_POST
def application_disburse(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    application = application_get_for(user, pk)
    return _form_action(
        request,
        DisburseForm(request.POST),
        back=redirect("policies:application_detail", pk=pk),
        invalid="请填写拨付日期和凭证号",
        action=lambda data: applications.application_disburse(
            application=application, by=user, paid_on=data["paid_on"], voucher=data["voucher"]
        ),
        success="拨付已登记",
    )


@cap_required(Cap.REVIEW_POLICY_APPLICATIONS)
@require_POST
def application_announce(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    application = application_get_for(user, pk)
    _error_or(request, lambda: applications.application_announce(application=application, by=user), "已公示")
    return redirect("policies:application_detail", pk=pk)


@cap_required(Cap.REVIEW_POLICY_APPLICATIONS)
@require_GET
def grant_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    status = request.GET.get("status", GrantStatus.MATCHED)
    qs = grants_visible_to(user)
    if status in GrantStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("policy_id", "created_at", "id"), 50).get_page(request.GET.get("page"))
    for grant in page:
        grant.amount_text = fen_text(grant.amount_fen)  # type: ignore[attr-defined]
    return render(
        request, "policies/grant_list.html", {"page": page, "status": status, "statuses": GrantStatus.choices}
    )


@cap_required(Cap.REVIEW_POLICY_APPLICATIONS)
@require_GET
def grant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    grant = grant_get_for(user, pk)
    return render(
        request,
        "policies/grant.html",
        {
            "grant": grant,
            "events": timeline(grant=grant),
            "computed": fen_text(grant.computed_fen),
            "amount": fen_text(grant.amount_fen),
            "confirm_form": ConfirmGrantForm(),
            "revoke_form": RevokeForm(),
            "disburse_form": DisburseForm(),
            "can_review": grants.can_review(user, grant.policy),
            "facts": sorted(grant.facts_snapshot.items()),
        },
    )


@cap_required(Cap.REVIEW_POLICY_APPLICATIONS)
@require_POST
def grant_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    grant = grant_get_for(user, pk)
    return _form_action(
        request,
        ConfirmGrantForm(request.POST),
        back=redirect("policies:grant_detail", pk=pk),
        invalid="",
        action=lambda data: grants.grant_confirm(grant=grant, by=user, amount_fen=data["amount"]),
        success="已确认兑现",
    )


@cap_required(Cap.REVIEW_POLICY_APPLICATIONS)
@require_POST
def grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    grant = grant_get_for(user, pk)
    return _form_action(
        request,
        RevokeForm(request.POST),
        back=redirect("policies:grant_detail", pk=pk),
        invalid="请填写撤销原因",
        action=lambda data: grants.grant_revoke(grant=grant, by=user, reason=data["reason"]),
        success="已撤销",
    )


@cap_required(Cap.REVIEW_POLICY_APPLICATIONS)
@require_POST
def grant_disburse(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    grant = grant_get_for(user, pk)
    return _form_action(
        request,
        DisburseForm(request.POST),
        back=redirect("policies:grant_detail", pk=pk),
        invalid="请填写拨付日期和凭证号",
        action=lambda data: grants.grant_disburse(
            grant=grant, by=user, paid_on=data["paid_on"], voucher=data["voucher"]
        ),
        success="拨付已登记",
    )


@cap_required(Cap.REVIEW_POLICY_APPLICATIONS)
@require_POST
def grant_announce(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    grant = grant_get_for(user, pk)
    _error_or(request, lambda: grants.grant_announce(grant=grant, by=user), "已公示")
    return redirect("policies:grant_detail", pk=pk)
