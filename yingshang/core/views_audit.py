"""审计日志: for the security auditor only (三权分立). Reading the log is itself audited."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from yingshang.accounts.permissions import cap_required
from yingshang.accounts.roles import Cap

from . import exports, selectors
from .audit import Action, audit_record, verify_chain
from .forms import AuditLogFilterForm

AUDIT_PAGE_SIZE = 50
AUDIT_EXPORT_LIMIT = 50_000


@cap_required(Cap.READ_AUDIT_LOG)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditLogFilterForm(request.GET or None)
    filters = form.filters()
    page_number = request.GET.get("page") or 1
    # Exactly one row per page view, written before the query so the reader sees their own visit.
    audit_record(
        action=Action.AUDIT_VIEWED, user=request.user, detail={"filters": filters.as_detail(), "page": str(page_number)}
    )
    page = Paginator(selectors.audit_log_list(filters), AUDIT_PAGE_SIZE).get_page(page_number)
    return render(request, "core/audit_log.html", {"form": form, "page": page, "export_limit": AUDIT_EXPORT_LIMIT})


@cap_required(Cap.READ_AUDIT_LOG)
@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    report = verify_chain()
    audit_record(
        action=Action.AUDIT_VIEWED,
        user=request.user,
        detail={
            "operation": "verify",
            "ok": report.ok,
            "rows_checked": report.rows_checked,
            "problem_seq": report.problem.seq if report.problem else None,
        },
    )
    if getattr(request, "htmx", False):
        return render(request, "core/_audit_verify_result.html", {"report": report, "checked_at": timezone.now()})
    if report.problem is None:
        messages.success(request, f"审计日志完整:已校验 {report.rows_checked} 条")
    else:
        messages.error(request, f"审计日志校验失败:第 {report.problem.seq} 条 — {report.problem.reason}")
    return redirect("core:audit_log")


@cap_required(Cap.READ_AUDIT_LOG)
@require_GET
def audit_export(request: HttpRequest) -> HttpResponseBase:
    form = AuditLogFilterForm(request.GET or None)
    back = f"{reverse('core:audit_log')}?{request.GET.urlencode()}"
    if form.is_bound and not form.is_valid():
        # Never fall back to exporting everything when the filter the auditor typed is wrong.
        messages.error(request, "筛选条件有误,请修改后再导出")
        return redirect(back)
    filters = form.filters()
    queryset = selectors.audit_log_list(filters)
    count = queryset.count()
    if count > AUDIT_EXPORT_LIMIT:
        messages.error(request, f"符合条件的记录有 {count} 条,超过单次导出上限 {AUDIT_EXPORT_LIMIT} 条,请缩小筛选范围")
        return redirect(back)
    content = exports.write_xlsx(
        title="审计日志",
        headers=exports.AUDIT_EXPORT_HEADERS,
        rows=exports.audit_log_rows(queryset.iterator(chunk_size=2000)),
    )
    audit_record(
        action=Action.EXPORT,
        user=request.user,
        detail={"export": "audit_log", "filters": filters.as_detail(), "rows": count},
    )
    return exports.xlsx_response(content, f"审计日志-{timezone.localtime():%Y%m%d-%H%M}.xlsx")
