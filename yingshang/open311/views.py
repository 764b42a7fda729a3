"""GeoReport v2 endpoints (public GETs, POST with an API key) and the office's key management pages."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from yingshang.accounts.permissions import cap_required, signed_in_user
from yingshang.accounts.roles import Cap
from yingshang.appeals.services import IdempotencyMismatchError
from yingshang.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from yingshang.core.form_styles import StyledForm

from . import selectors, services
from .formats import error_response, respond
from .models import ApiKey, KeyChannel

# ---- GeoReport v2 -----------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return respond(fmt, selectors.service_list(), root="services", item="service")


@require_http_methods(["GET", "HEAD"])
def service_definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    category = selectors.service_get(service_code)
    if category is None:
        return error_response(fmt, 404, f"service_code {service_code} 不存在")
    payload = {"service_code": category.code, "attributes": selectors.service_attributes(category)}
    return respond(fmt, payload, root="service_definition", item=None)


@csrf_exempt  # called by outside systems with an API key, never by a browser session
@require_http_methods(["GET", "HEAD", "POST"])
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    try:
        query = selectors.parse_request_query(request.GET)
    except ApplicationError as exc:
        return error_response(fmt, 400, exc.message)
    rows = [selectors.request_public(appeal) for appeal in selectors.request_list(query)]
    return respond(fmt, rows, root="service_requests", item="request")


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    raw_key = request.POST.get("api_key") or request.GET.get("api_key") or ""
    if not raw_key.strip():
        return error_response(fmt, 403, "缺少 api_key:提交诉求须使用营商办发放的接口密钥")
    key = services.api_key_authenticate(raw_key)
    if key is None:
        services.audit_rejected_key(raw_key=raw_key, reason="invalid_or_revoked")
        return error_response(fmt, 403, "api_key 无效或已吊销")
    data = request.POST
    if not (data.get("service_code") or "").strip():
        return error_response(fmt, 400, "缺少 service_code")
    try:
        result = services.open311_request_submit(
            key=key,
            service_code=data.get("service_code", ""),
            description=data.get("description", ""),
            attributes=services.parse_attributes(data),
            lat=data.get("lat", ""),
            long=data.get("long", ""),
            address_string=data.get("address_string", ""),
            email=data.get("email", ""),
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            phone=data.get("phone", ""),
            idempotency_key=request.headers.get("Idempotency-Key", ""),
        )
    except IdempotencyMismatchError as exc:
        return error_response(fmt, 422, exc.message)
    except ConflictError as exc:
        return error_response(fmt, 409, exc.message)
    except PermissionDeniedError as exc:
        return error_response(fmt, 403, exc.message)
    except ApplicationError as exc:
        return error_response(fmt, 400, exc.message)
    body = [
        {
            "service_request_id": result.appeal.number,
            "token": result.submission.token,
            "service_notice": selectors.service_notice(result.appeal),
            "account_id": None,
        }
    ]
    return respond(fmt, body, root="service_requests", item="request")


@require_http_methods(["GET", "HEAD"])
def request_detail(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    appeal = selectors.request_get(service_request_id)
    if appeal is None:
        return error_response(fmt, 404, f"诉求 {service_request_id} 不存在")
    return respond(fmt, [selectors.request_public(appeal)], root="service_requests", item="request")


@require_http_methods(["GET", "HEAD"])
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    submission = selectors.token_get(token)
    if submission is None:
        return error_response(fmt, 404, "token 不存在")
    body = [{"service_request_id": submission.appeal.number, "token": submission.token}]
    return respond(fmt, body, root="service_requests", item="request")


# ---- key management (营商办) -------------------------------------------------------------------------------------


class ApiKeyForm(StyledForm):
    name = forms.CharField(label="名称(对接的系统或单位)", max_length=100)
    channel = forms.ChoiceField(label="来源渠道", choices=KeyChannel.choices, initial=KeyChannel.OPEN311)


@cap_required(Cap.DISPATCH_APPEALS)
def key_list(request: HttpRequest) -> HttpResponseBase:
    keys = ApiKey.objects.select_related("created_by", "revoked_by").order_by("-is_active", "-created_at")
    return render(request, "open311/key_list.html", {"keys": keys, "form": ApiKeyForm()})


@cap_required(Cap.DISPATCH_APPEALS)
@require_http_methods(["GET", "POST"])
def key_create(request: HttpRequest) -> HttpResponseBase:
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key, raw = services.api_key_create(
                name=form.cleaned_data["name"], channel=form.cleaned_data["channel"], by=signed_in_user(request)
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            # The plain key is rendered into this one response and never stored: it cannot be shown again.
            response = render(request, "open311/key_created.html", {"key": key, "raw_key": raw})
            response["Cache-Control"] = "no-store"
            return response
    status = 400 if request.method == "POST" else 200
    return render(request, "open311/key_form.html", {"form": form}, status=status)


@cap_required(Cap.DISPATCH_APPEALS)
@require_POST
def key_revoke(request: HttpRequest, pk: int) -> HttpResponseBase:
    key = get_object_or_404(ApiKey, pk=pk)
    try:
        services.api_key_revoke(key=key, by=signed_in_user(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已吊销密钥「{key.name}」,使用它的调用将被拒绝")
    return redirect("open311:key_list")
