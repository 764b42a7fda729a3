"""Catalogue pages: the public 办事指南 and 一次性告知单, 一件事 pages, and the office's maintenance pages
(items with materials, bundles, windows, xlsx import/export)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from yingshang.accounts.models import Department
from yingshang.accounts.permissions import cap_required, signed_in_user
from yingshang.accounts.roles import Cap
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError
from yingshang.core.exports import xlsx_response

from .catalogue_io import catalogue_workbook, read_catalogue
from .forms import BundleForm, ImportForm, ItemForm, MaterialFormSet, WindowsForm, materials_from_formset
from .models import Bundle, ServiceItem, ServiceWindow
from .selectors import (
    bundle_get_public,
    bundle_plan,
    bundle_totals,
    item_get_public,
    item_public_list,
)
from .services_catalogue import bundle_save, item_save, items_import, windows_set

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _can_manage(request: HttpRequest) -> bool:
    user = request.user
    return bool(getattr(user, "is_authenticated", False) and user.has_cap(Cap.MANAGE_SERVICE_CATALOGUE))  # type: ignore[union-attr]


# ---- public -----------------------------------------------------------------------------------------------------


@require_GET
def guide_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    department = request.GET.get("department", "")
    qs = item_public_list(q=q, department=int(department) if department.isdigit() else None)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    departments = Department.objects.filter(service_items__is_active=True).distinct()
    return render(
        request,
        "govservices/guide_list.html",
        {
            "page": page,
            "q": q,
            "department": department,
            "departments": departments,
            "can_manage": _can_manage(request),
        },
    )


@require_GET
def guide(request: HttpRequest, pk: int) -> HttpResponse:
    item = item_get_public(pk)
    user = request.user
    return render(
        request,
        "govservices/guide.html",
        {
            "item": item,
            "materials": list(item.materials.all()),
            "bundles": item.bundles.filter(is_active=True),
            "can_apply": bool(getattr(user, "is_authenticated", False) and getattr(user, "is_enterprise_user", False)),
            "can_manage": _can_manage(request),
        },
    )


@require_GET
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    """一次性告知单: everything to bring, on one printable page."""
    item = item_get_public(pk)
    return render(
        request,
        "govservices/notice.html",
        {"title": item.name, "item": item, "materials": list(item.materials.all()), "today": timezone.localdate()},
    )


@require_GET
def bundle_list(request: HttpRequest) -> HttpResponse:
    plans, totals = bundle_totals()
    return render(
        request, "govservices/bundle_list.html", {"plans": plans, "totals": totals, "can_manage": _can_manage(request)}
    )


@require_GET
def bundle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bundle = bundle_get_public(pk)
    return render(
        request,
        "govservices/bundle_detail.html",
        {"bundle": bundle, "plan": bundle_plan(bundle), "can_manage": _can_manage(request)},
    )


@require_GET
def bundle_notice(request: HttpRequest, pk: int) -> HttpResponse:
    bundle = bundle_get_public(pk)
    plan = bundle_plan(bundle)
    return render(
        request,
        "govservices/notice.html",
        {"title": bundle.name, "bundle": bundle, "plan": plan, "today": timezone.localdate()},
    )


# ---- maintenance ------------------------------------------------------------------------------------------------


@cap_required(Cap.MANAGE_SERVICE_CATALOGUE)
@require_GET
def item_manage_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    qs = item_public_list(q=q, include_inactive=True)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "govservices/item_manage_list.html",
        {"page": page, "q": q, "windows": ServiceWindow.objects.select_related("department")},
    )


def _item_form_page(request: HttpRequest, item: ServiceItem | None) -> HttpResponse:
    if request.method == "POST":
        form = ItemForm(request.POST)
        formset = MaterialFormSet(request.POST, prefix="materials")
        if form.is_valid() and formset.is_valid():
            try:
                saved = item_save(item=item, data=form.to_input(materials_from_formset(formset)), by=request.user)
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"已保存事项“{saved.name}”")
                return redirect("govservices:item_edit", pk=saved.pk)
    elif item is not None:
        form = ItemForm(initial=ItemForm.initial_for(item))
        formset = MaterialFormSet(
            prefix="materials",
            initial=[
                {
                    "name": m.name,
                    "form": m.form,
                    "copies": m.copies,
                    "source": m.source,
                    "required": m.required,
                    "may_be_missing": m.may_be_missing,
                    "commitment_allowed": m.commitment_allowed,
                    "notes": m.notes,
                }
                for m in item.materials.all()
            ],
        )
    else:
        form = ItemForm()
        formset = MaterialFormSet(prefix="materials")
    return render(request, "govservices/item_form.html", {"form": form, "formset": formset, "item": item})


@cap_required(Cap.MANAGE_SERVICE_CATALOGUE)
@require_http_methods(["GET", "POST"])
def item_create(request: HttpRequest) -> HttpResponse:
    return _item_form_page(request, None)


@cap_required(Cap.MANAGE_SERVICE_CATALOGUE)
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_form_page(request, get_object_or_404(ServiceItem, pk=pk))


def _bundle_form_page(request: HttpRequest, bundle: Bundle | None) -> HttpResponse:
    if request.method == "POST":
        form = BundleForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                saved = bundle_save(
                    bundle=bundle,
                    code=d["code"],
                    name=d["name"],
                    description=d["description"],
                    lead_department=d["lead_department"],
                    items=list(d["items"]),
                    committed_limit_days=d["committed_limit_days"],
                    is_active=d["is_active"],
                    by=request.user,
                )
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"已保存一件事“{saved.name}”")
                return redirect("govservices:bundle_detail", pk=saved.pk)
    elif bundle is not None:
        form = BundleForm(
            initial={
                "code": bundle.code,
                "name": bundle.name,
                "description": bundle.description,
                "lead_department": bundle.lead_department_id,
                "items": list(bundle.items.values_list("pk", flat=True)),
                "committed_limit_days": bundle.committed_limit_days,
                "is_active": bundle.is_active,
            }
        )
    else:
        form = BundleForm()
    return render(request, "govservices/bundle_form.html", {"form": form, "bundle": bundle})


@cap_required(Cap.MANAGE_SERVICE_CATALOGUE)
@require_http_methods(["GET", "POST"])
def bundle_create(request: HttpRequest) -> HttpResponse:
    return _bundle_form_page(request, None)


@cap_required(Cap.MANAGE_SERVICE_CATALOGUE)
@require_http_methods(["GET", "POST"])
def bundle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _bundle_form_page(request, get_object_or_404(Bundle, pk=pk))


@cap_required(Cap.MANAGE_SERVICE_CATALOGUE)
@require_http_methods(["GET", "POST"])
def windows(request: HttpRequest) -> HttpResponse:
    current = list(ServiceWindow.objects.values_list("department_id", flat=True))
    form = WindowsForm(request.POST or None, initial={"departments": current})
    if request.method == "POST" and form.is_valid():
        count = windows_set(departments=list(form.cleaned_data["departments"]), by=request.user)
        messages.success(request, f"已设置 {count} 个综合窗口部门")
        return redirect("govservices:item_manage_list")
    return render(request, "govservices/windows.html", {"form": form})


@cap_required(Cap.MANAGE_SERVICE_CATALOGUE)
@require_http_methods(["GET", "POST"])
def catalogue_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    preview = None
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            form.add_error("file", "文件不能超过 5 MB")
        else:
            try:
                preview = read_catalogue(upload)
                if not preview.errors:
                    if not preview.rows:
                        raise ApplicationError("文件中没有事项数据", field="file")
                    result = items_import(rows=preview.rows, by=request.user, filename=upload.name or "")
            except ApplicationError as exc:
                form.add_error("file", exc.message)
                preview = None
    return render(request, "govservices/import.html", {"form": form, "preview": preview, "result": result})


@cap_required(Cap.MANAGE_SERVICE_CATALOGUE)
@require_GET
def catalogue_export(request: HttpRequest) -> HttpResponseBase:
    items = list(item_public_list(include_inactive=True))
    audit_record(
        action=Action.EXPORT,
        user=signed_in_user(request),
        detail={"event": "service_catalogue_export", "rows": len(items)},
    )
    return xlsx_response(catalogue_workbook(items), f"政务服务事项清单-{timezone.localdate():%Y%m%d}.xlsx")
