"""Pages of the enterprise import: upload and list, the job page (progress, preview, error report), confirm/cancel,
and the template download. The work itself runs in tasks.py; these views only start it and show where it stands."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from yingshang.accounts.permissions import cap_required
from yingshang.accounts.roles import Cap
from yingshang.core.errors import ApplicationError
from yingshang.core.exports import xlsx_response

from . import imports
from .models import ImportJob, ImportStatus
from .tasks import apply_import, validate_import

logger = logging.getLogger(__name__)

ERRORS_SHOWN = 500
STATUS_BADGES: dict[str, str] = {
    ImportStatus.UPLOADED: "secondary",
    ImportStatus.VALIDATING: "info",
    ImportStatus.PREVIEW: "warning",
    ImportStatus.IMPORTING: "info",
    ImportStatus.DONE: "success",
    ImportStatus.FAILED: "danger",
    ImportStatus.CANCELLED: "secondary",
}


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="导入文件",
        help_text="支持 .xlsx 和 .csv(UTF-8 或 Excel 默认的 GBK 编码)",
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv"}),
    )
    source = forms.CharField(
        label="数据来源", max_length=100, initial="营商办导入", widget=forms.TextInput(attrs={"class": "form-control"})
    )
    as_of = forms.DateField(
        label="数据日期",
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}, format="%Y-%m-%d"),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        extension = Path(upload.name or "").suffix.lower()
        if extension == ".xls":
            raise forms.ValidationError("不支持旧版 .xls 文件,请在 Excel 中“另存为”.xlsx 后上传")
        if extension not in imports.ALLOWED_EXTENSIONS:
            raise forms.ValidationError("仅支持 .xlsx 和 .csv 文件")
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"文件不能超过 {limit / 1024 / 1024:g} MB,请拆分后分批导入")
        return upload

    def clean_source(self) -> str:
        source = self.cleaned_data["source"].strip()
        if not source:
            raise forms.ValidationError("请填写数据来源")
        return source

    def clean_as_of(self) -> Any:
        as_of = self.cleaned_data["as_of"]
        if as_of > timezone.localdate():
            raise forms.ValidationError("数据日期不能晚于今天")
        return as_of


def _job_for(request: HttpRequest, pk: int) -> ImportJob:
    job = get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk)
    if not imports.import_job_visible_to(job, request.user):
        raise PermissionDenied("只有上传人或营商办协调员可以查看该导入批次")
    return job


def _attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@cap_required(Cap.IMPORT_ENTERPRISES)
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = imports.import_job_create(
            upload=form.cleaned_data["file"],
            source=form.cleaned_data["source"],
            as_of=form.cleaned_data["as_of"],
            by=request.user,
        )
        # The job row is already committed (views run in autocommit), so a worker can load it right away.
        _enqueue(job, "validate", by=request.user)
        return redirect("enterprises:import_detail", pk=job.pk)
    jobs = list(imports.import_jobs_for(request.user)[:50])
    for job in jobs:
        job.badge = STATUS_BADGES.get(job.status, "secondary")  # type: ignore[attr-defined]
    return render(request, "enterprises/import_list.html", {"form": form, "jobs": jobs})


@cap_required(Cap.IMPORT_ENTERPRISES)
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    headers, preview_rows = imports.preview_table(job)
    errors = imports.import_errors(job)
    context = {
        "job": job,
        "badge": STATUS_BADGES.get(job.status, "secondary"),
        "progress": imports.import_progress(job),
        "preview_headers": headers,
        "preview_rows": preview_rows,
        "errors": errors[:ERRORS_SHOWN],
        "errors_total": len(errors),
        "errors_truncated_on_page": len(errors) > ERRORS_SHOWN,
        "errors_truncated_in_report": len(errors) >= imports.MAX_STORED_ERRORS,
        "previous_import": imports.previous_import_of_same_file(job) if job.status == ImportStatus.PREVIEW else None,
        "can_confirm": job.status == ImportStatus.PREVIEW and job.valid_rows > 0,
        "can_cancel": job.status in imports.CANCELLABLE_STATUSES,
    }
    return render(request, "enterprises/import_detail.html", context)


def _enqueue(job: ImportJob, phase: str, *, by: Any) -> bool:
    """Queue a phase ("validate" or "apply"); if the queue is down, fail the job at once rather than leave it waiting
    for a worker that will never come. Nothing is saved before apply runs, so failing is always safe."""
    try:
        if phase == "apply":
            apply_import.enqueue(job.pk, by.pk)
        else:
            validate_import.enqueue(job.pk)
    except Exception:
        logger.exception("Could not enqueue %s of import %s", phase, job.pk)
        waiting = ImportStatus.IMPORTING if phase == "apply" else ImportStatus.UPLOADED
        message = "任务队列暂不可用,未保存任何企业数据,请稍后重新上传"
        imports.import_job_fail(job=job, message=message, from_statuses=[waiting])
        return False
    return True


def _skip_session_write(request: HttpRequest) -> None:
    """An automatic poll is not user activity: it must not renew the idle timeout by rewriting the session row.

    On SQLite that write would also wait for the write lock the import's single transaction holds for its whole run,
    so the progress bar would freeze exactly while it matters.
    """
    request.session.save = lambda *args, **kwargs: None  # type: ignore[method-assign]


@cap_required(Cap.IMPORT_ENTERPRISES)
@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    _skip_session_write(request)
    job = _job_for(request, pk)
    progress = imports.import_progress(job)
    if not progress.running and getattr(request, "htmx", False):
        # Finished: reload the page once to show the preview or the result; the reloaded page no longer polls.
        return HttpResponseClientRefresh()
    return render(request, "enterprises/import_progress.html", {"job": job, "progress": progress})


@cap_required(Cap.IMPORT_ENTERPRISES)
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    try:
        imports.import_job_confirm(job=job, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        _enqueue(job, "apply", by=request.user)
    return redirect("enterprises:import_detail", pk=job.pk)


@cap_required(Cap.IMPORT_ENTERPRISES)
@require_POST
def import_restart(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-queue a job whose worker went silent (crashed, redeployed, or never started)."""
    job = _job_for(request, pk)
    try:
        phase = imports.import_job_restart(job=job, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if _enqueue(job, phase, by=request.user):
            messages.info(request, "已重新提交后台任务")
    return redirect("enterprises:import_detail", pk=job.pk)


@cap_required(Cap.IMPORT_ENTERPRISES)
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    try:
        imports.import_job_cancel(job=job, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, "已取消本次导入,未保存任何企业数据")
    return redirect("enterprises:import_detail", pk=job.pk)


@cap_required(Cap.IMPORT_ENTERPRISES)
@require_GET
def import_errors(request: HttpRequest, pk: int) -> HttpResponseBase:
    job = _job_for(request, pk)
    stem = Path(job.original_name).stem
    content = imports.import_error_report_export(job=job, by=request.user)
    return xlsx_response(content, f"导入错误报告-{stem}.xlsx")


@cap_required(Cap.IMPORT_ENTERPRISES)
@require_GET
def import_template(request: HttpRequest) -> HttpResponseBase:
    if request.GET.get("format") == "csv":
        return _attachment(imports.template_csv(), "企业信息导入模板.csv", "text/csv; charset=utf-8")
    return xlsx_response(imports.template_xlsx(), "企业信息导入模板.xlsx")
