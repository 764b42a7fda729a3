"""Registry pages: the list (htmx filters), the profile (企业画像), create/edit, export and "my enterprise".

Views stay thin: permissions and reads come from selectors, writes from services.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from yingshang.accounts.permissions import cap_required, signed_in_user
from yingshang.accounts.roles import Cap
from yingshang.core.errors import ApplicationError, ConflictError
from yingshang.core.exports import xlsx_response

from .exports import enterprise_export
from .forms import DEFAULT_PAGE_SIZE, EnterpriseFilterForm, EnterpriseForm
from .models import Enterprise
from .selectors import (
    can_browse_registry,
    ensure_can_browse_registry,
    enterprise_filtered,
    enterprise_get_for,
    enterprise_page,
    enterprise_profile,
)
from .services import enterprise_contact_phone_reveal, enterprise_save

RESULTS_TARGET = "enterprise-results"


def _filter_query(request: HttpRequest) -> str:
    """The current filters as a tidy query string: no page number, no empty fields, no default page size.

    Used for paging and export links, and pushed to the address bar after an htmx swap (the form itself sends every
    field, empty or not)."""
    params = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        if key in ("page", "unmask"):
            continue
        kept = [v for v in values if v.strip()]
        if key == "page_size" and kept == [str(DEFAULT_PAGE_SIZE)]:
            continue
        if kept:
            params.setlist(key, kept)
    return params.urlencode()


def _page_param(number: int) -> str:
    return f"page={number}" if number > 1 else ""


def _filter_form(request: HttpRequest) -> EnterpriseFilterForm:
    data = request.GET.copy()
    if not data.get("page_size"):
        data["page_size"] = str(DEFAULT_PAGE_SIZE)
    return EnterpriseFilterForm(data)


@login_required
@require_GET
def enterprise_list(request: HttpRequest) -> HttpResponse:
    ensure_can_browse_registry(request.user)
    form = _filter_form(request)
    result = enterprise_page(
        user=request.user, filters=form.filters(), page=request.GET.get("page"), per_page=form.per_page()
    )
    filter_query = _filter_query(request)
    context = {
        "form": form,
        "result": result,
        "page": result.page,
        "filter_query": filter_query,
        "can_edit": signed_in_user(request).has_cap(Cap.EDIT_ENTERPRISES),
        "can_export": signed_in_user(request).has_cap(Cap.EXPORT_ENTERPRISES),
        "can_unmask": getattr(request.user, "can_unmask_personal_data", False),
    }
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    # htmx swaps only the results; a history restore (back button, cache miss) needs the whole page.
    partial = htmx is not None and bool(htmx) and htmx.target == RESULTS_TARGET and not htmx.history_restore_request
    response = render(request, "enterprises/_results.html" if partial else "enterprises/list.html", context)
    if partial:
        query = "&".join(q for q in (filter_query, _page_param(result.page.number)) if q)
        response["HX-Push-Url"] = f"{request.path}?{query}" if query else request.path
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _render_profile(request: HttpRequest, enterprise: Enterprise, *, revealed_phone: str | None = None) -> HttpResponse:
    user = signed_in_user(request)
    return render(
        request,
        "enterprises/detail.html",
        {
            "profile": enterprise_profile(enterprise),
            "enterprise": enterprise,
            "can_edit": user.has_cap(Cap.EDIT_ENTERPRISES),
            "can_unmask": getattr(user, "can_unmask_personal_data", False),
            "revealed_phone": revealed_phone,
            "is_own": user.is_enterprise_user and user.enterprise_id == enterprise.pk,
        },
    )


@login_required
@require_GET
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ensure_can_browse_registry(request.user)
    return _render_profile(request, enterprise_get_for(request.user, pk))


@login_required
@require_GET
def enterprise_mine(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not user.is_enterprise_user:
        if can_browse_registry(user):
            return redirect("enterprises:list")
        raise PermissionDenied("“我的企业”仅供企业用户使用")
    if user.enterprise_id is None:  # a database constraint rules this out; enterprise_get_for would 404 too
        raise Http404("未找到该企业")
    return _render_profile(request, enterprise_get_for(user, user.enterprise_id))


@login_required
@require_POST
def enterprise_phone_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    ensure_can_browse_registry(request.user)
    enterprise = enterprise_get_for(request.user, pk)
    phone = enterprise_contact_phone_reveal(enterprise=enterprise, by=request.user)
    if getattr(request, "htmx", None):
        return render(request, "enterprises/_phone.html", {"enterprise": enterprise, "revealed_phone": phone})
    return _render_profile(request, enterprise, revealed_phone=phone)


@cap_required(Cap.EDIT_ENTERPRISES)
@require_http_methods(["GET", "POST"])
def enterprise_create(request: HttpRequest) -> HttpResponse:
    form = EnterpriseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise, _, _ = enterprise_save(
                data=form.to_input(),
                source=form.cleaned_data["source"],
                as_of=form.cleaned_data["as_of"],
                by=request.user,
            )
        except ApplicationError as exc:
            form.apply_error(exc)
        else:
            messages.success(request, f"已新建企业档案:{enterprise.name}")
            return redirect("enterprises:detail", pk=enterprise.pk)
    return render(request, "enterprises/form.html", {"form": form, "enterprise": None})


@cap_required(Cap.EDIT_ENTERPRISES)
@require_http_methods(["GET", "POST"])
def enterprise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = enterprise_get_for(request.user, pk)
    form = EnterpriseForm(request.POST or None, instance=enterprise)
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            saved, _, changes = enterprise_save(
                data=form.to_input(),
                source=form.cleaned_data["source"],
                as_of=form.cleaned_data["as_of"],
                by=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError as exc:
            # The bound form is shown again with everything the user typed; nothing is saved over the other edit.
            conflict = True
            form.add_error(None, exc.message)
        except ApplicationError as exc:
            form.apply_error(exc)
        else:
            if changes:
                messages.success(request, f"已保存 {len(changes)} 项修改")
            else:
                messages.info(request, "没有需要保存的修改")
            return redirect("enterprises:detail", pk=saved.pk)
    status = 409 if conflict else 200
    return render(
        request, "enterprises/form.html", {"form": form, "enterprise": enterprise, "conflict": conflict}, status=status
    )


@cap_required(Cap.EXPORT_ENTERPRISES)
@require_GET
def enterprise_export_xlsx(request: HttpRequest) -> HttpResponseBase:
    ensure_can_browse_registry(request.user)
    form = _filter_form(request)
    filters = form.filters()
    try:
        export = enterprise_export(
            queryset=enterprise_filtered(user=request.user, filters=filters),
            by=request.user,
            unmask=request.GET.get("unmask") == "1",
            filters={"params": filters.active(), "labels": form.describe()},
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        query = _filter_query(request)
        return redirect(f"{reverse('enterprises:list')}{'?' + query if query else ''}")
    return xlsx_response(export.file, export.filename)
