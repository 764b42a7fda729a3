"""Enterprise pages: 我的政策礼包 (with the form to supply missing facts, subscription and 企业点单), applications
with materials, and the application page (shared with the reviewing department)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yingshang.accounts.models import User
from yingshang.accounts.permissions import signed_in_user
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError

from . import applications, package
from .forms import ApplicationForm, ConfirmGrantForm, DisburseForm, RetireForm, ReviewForm
from .grants import can_review
from .models import ApplicationMaterial, ApplicationStatus
from .outcomes import fen_text
from .selectors import application_get_for, applications_visible_to, published_policy, timeline


def _enterprise_user(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not (user.is_enterprise_user and user.enterprise_id):
        raise PermissionDenied("此页面仅供企业用户使用")
    return user


def enterprise_required(view: Any) -> Any:
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _enterprise_user(request)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _supply_form(keys: list[str], data: Any = None) -> forms.Form:
    form = forms.Form(data)
    for variable in package.suppliable_variables(keys):
        help_text = f"单位:{variable.unit}" if variable.unit else ""
        if variable.type == "boolean":
            field: forms.Field = forms.ChoiceField(
                label=variable.label, required=False, choices=[("", "—"), ("是", "是"), ("否", "否")]
            )
        elif variable.choices:
            field = forms.ChoiceField(
                label=variable.label,
                required=False,
                choices=[("", "—"), *[(label, label) for _, label in variable.choices]],
            )
        elif variable.type == "date":
            field = forms.DateField(
                label=variable.label, required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
        else:
            field = forms.CharField(label=variable.label, required=False, help_text=help_text)
        css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
        field.widget.attrs["class"] = css
        form.fields[variable.key] = field
    return form


@enterprise_required
@require_GET
def package_page(request: HttpRequest) -> HttpResponse:
    user = _enterprise_user(request)
    assert user.enterprise is not None
    result = package.package_for(user.enterprise)
    return render(
        request,
        "policies/package.html",
        {
            "package": result,
            "enterprise": user.enterprise,
            "supply_form": _supply_form(result.missing_keys),
            "subscription": package.subscription_of(user.enterprise),
            "total_text": fen_text(result.eligible_total_fen),
        },
    )


@enterprise_required
@require_POST
def package_supply(request: HttpRequest) -> HttpResponse:
    user = _enterprise_user(request)
    assert user.enterprise is not None
    keys = [k for k in request.POST if k != "csrfmiddlewaretoken"]
    form = _supply_form(keys, request.POST)
    if not form.is_valid() or not form.fields:
        messages.error(request, "请填写需要补充的信息")
        return redirect("policies:package")
    values = {k: (v.isoformat() if hasattr(v, "isoformat") else str(v or "")) for k, v in form.cleaned_data.items()}
    try:
        saved = package.facts_supply(enterprise=user.enterprise, by=user, values=values)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已保存(来源:企业自报):{'、'.join(saved)}。政策礼包已按新信息重新测算。")
    return redirect("policies:package")


@enterprise_required
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    user = _enterprise_user(request)
    assert user.enterprise is not None
    on = request.POST.get("on") == "1"
    package.subscription_set(enterprise=user.enterprise, by=user, sms=request.POST.get("sms") == "1", on=on)
    messages.success(request, "已订阅新政策匹配提醒" if on else "已取消订阅")
    return redirect("policies:package")


@enterprise_required
@require_POST
def interest_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    user = _enterprise_user(request)
    assert user.enterprise is not None
    policy = published_policy(pk)
    try:
        picked = package.interest_toggle(enterprise=user.enterprise, policy=policy, by=user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        version = policy.current_version
        assert version is not None
        state = applications.window_state(version, timezone.localdate())
        if not picked:
            messages.info(request, f"已取消点单:{policy.title}")
        elif state == "open":
            messages.success(request, f"已点单:{policy.title}。申报已开放,可以立即申报。")
        else:
            messages.success(request, f"已点单:{policy.title}。申报开始时将通过消息和短信提醒您。")
    return redirect("policies:package")


def _uploads(request: HttpRequest, count: int) -> dict[int, Any]:
    files = {}
    for i in range(count):
        upload = request.FILES.get(f"material_{i}")
        if upload is not None:
            files[i] = upload
    return files


@enterprise_required
@require_http_methods(["GET", "POST"])
def application_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = _enterprise_user(request)
    assert user.enterprise is not None
    policy = published_policy(pk)
    version = policy.current_version
    assert version is not None
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = applications.application_submit(
                policy=policy,
                enterprise=user.enterprise,
                by=user,
                files=_uploads(request, len(version.materials)),
                note=form.cleaned_data["note"],
                requested_fen=form.cleaned_data["requested"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "申报已提交,审核部门将尽快办理")
            return redirect("policies:application_detail", pk=application.pk)
    return render(
        request,
        "policies/apply.html",
        {
            "policy": policy,
            "version": version,
            "form": form,
            "window": applications.window_state(version, timezone.localdate()),
            "allowed": applications.ALLOWED_TEXT,
            "max_mb": applications.MAX_UPLOAD_BYTES // 1024 // 1024,
        },
    )


@enterprise_required
@require_GET
def my_applications(request: HttpRequest) -> HttpResponse:
    user = _enterprise_user(request)
    items = applications_visible_to(user).order_by("-submitted_at")[:200]
    grants = package_grants(user)
    return render(request, "policies/my_applications.html", {"applications": items, "grants": grants})


def package_grants(user: User) -> Any:
    from .selectors import grants_visible_to

    return grants_visible_to(user).exclude(status="revoked").order_by("-created_at")[:200]


@login_required
@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    application = application_get_for(user, pk)
    reviewer = not user.is_enterprise_user and can_review(user, application.policy)
    materials = list(application.version.materials)
    files = list(application.files.all())
    checklist = [
        {"index": i, "material": m, "files": [f for f in files if f.material_index == i]}
        for i, m in enumerate(materials)
    ]
    return render(
        request,
        "policies/application.html",
        {
            "application": application,
            "checklist": checklist,
            "events": timeline(application=application),
            "reviewer": reviewer,
            "owner": user.is_enterprise_user,
            "review_form": ReviewForm(initial={"decision": "approve"}),
            "disburse_form": DisburseForm(),
            "estimated": fen_text(application.estimated_fen),
            "approved": fen_text(application.approved_fen),
            "requested": fen_text(application.requested_fen),
            "statuses": ApplicationStatus,
            "confirm_form": ConfirmGrantForm(),
            "retire_form": RetireForm(),
        },
    )


@enterprise_required
@require_POST
def application_supplement(request: HttpRequest, pk: int) -> HttpResponse:
    user = _enterprise_user(request)
    application = application_get_for(user, pk)
    try:
        applications.application_supplement(
            application=application,
            by=user,
            files=_uploads(request, len(application.version.materials)),
            note=request.POST.get("note", ""),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "补正材料已提交")
    return redirect("policies:application_detail", pk=application.pk)


@login_required
@require_GET
def material_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A material file, for the enterprise that uploaded it and the reviewing department (audited for staff)."""
    user = signed_in_user(request)
    material = get_object_or_404(ApplicationMaterial.objects.select_related("application"), pk=pk)
    application_get_for(user, material.application_id)
    if not user.is_enterprise_user:
        audit_record(
            action=Action.PERSONAL_DATA_VIEWED,
            user=user,
            obj=material.application,
            detail={"material": material.original_name},
        )
    return FileResponse(material.file.open("rb"), as_attachment=True, filename=material.original_name)
