"""The life of an ImportJob: create, validate, confirm, apply, cancel, restart.

Validation streams the file and writes only to the ImportJob (progress committed every few hundred rows, so the page
can poll it). Apply re-reads the same file, checked against its SHA-256, re-validates it against the current reference
data and saves every valid row in one transaction: an import is all or nothing. It saves the rows in chunks with
`enterprise_save_many` (a few queries per chunk, not per row), because on SQLite that transaction holds the write lock
that every other user's write waits for.

Each step a user takes (upload, confirm, cancel, restart) and the outcome of the apply are audited.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError
from yingshang.core.masking import mask_phone
from yingshang.core.models import AuditResult
from yingshang.core.notifications import notify

from ..models import Enterprise, FourUpCategory, ImportJob, ImportStatus, Scale
from ..services import EnterpriseInput, enterprise_save_many
from .cells import cell_text
from .columns import Column, ImportFileError
from .parsing import ALLOWED_EXTENSIONS, CheckedRow, RowChecker, checked_rows, read_table
from .progress import PROGRESS_TIMEOUT, beat, import_job_stalled, progress_cache_key

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 200  # rows between committed progress updates while validating
APPLY_CHUNK_ROWS = 500  # rows saved together while applying; progress is published after each chunk
PREVIEW_ROWS = 20
MAX_STORED_ERRORS = 10_000  # beyond this the counts stay exact but the report lists only the first ones
CANCELLABLE_STATUSES = (ImportStatus.UPLOADED, ImportStatus.VALIDATING, ImportStatus.PREVIEW)


def _display(value: Any, column: Column) -> str:
    if value is None:
        return ""
    if column.kind == "scale":
        return str(Scale(value).label)
    if column.kind == "four_up":
        return str(FourUpCategory(value).label)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if column.kind == "phone":
        return mask_phone(cell_text(value))
    return cell_text(value)


def _existing_usccs(usccs: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(usccs), 500):
        chunk = usccs[start : start + 500]
        found.update(Enterprise.objects.filter(uscc__in=chunk).values_list("uscc", flat=True))
    return found


def _file_sha256(fh: Any) -> str:
    digest = hashlib.sha256()
    for chunk in fh.chunks() if hasattr(fh, "chunks") else iter(lambda: fh.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


# --- jobs: create, validate, confirm, apply, cancel ---------------------------------------------------------------


def import_job_create(*, upload: UploadedFile, source: str, as_of: date, by: Any) -> ImportJob:
    """Store the upload; the caller enqueues validation once this row is committed."""
    original_name = Path(upload.name or "import").name[:255]
    extension = Path(original_name).suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise ApplicationError("仅支持 .xlsx 和 .csv 文件", field="file")
    job = ImportJob(
        created_by=by, original_name=original_name, file_sha256=_file_sha256(upload), source=source, as_of=as_of
    )
    # A random stored name: the original may hold characters some storages reject, and names must not collide.
    job.file.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
    with transaction.atomic():
        job.save()
        _audit_step(job, "upload", by=by)
    return job


def _audit_step(job: ImportJob, step: str, *, by: Any, **detail: Any) -> None:
    audit_record(
        action=Action.IMPORT,
        user=by,
        obj=job,
        detail={
            "step": step,
            "job_id": job.pk,
            "file_name": job.original_name,
            "file_sha256": job.file_sha256,
            "source": job.source,
            "as_of": job.as_of.isoformat(),
            **detail,
        },
    )


def import_job_fail(*, job: ImportJob, message: str, from_statuses: Iterable[str]) -> bool:
    return bool(
        ImportJob.objects.filter(pk=job.pk, status__in=list(from_statuses)).update(
            status=ImportStatus.FAILED, failure_message=message, finished_at=timezone.now()
        )
    )


def import_validate(*, job: ImportJob) -> None:
    """Parse the whole file and store the error report, counts and preview. Runs once: it claims the job first."""
    if not ImportJob.objects.filter(pk=job.pk, status=ImportStatus.UPLOADED).update(
        status=ImportStatus.VALIDATING, processed_rows=0
    ):
        return
    try:
        result = _validate_file(job)
    except ImportFileError as exc:
        import_job_fail(job=job, message=exc.message, from_statuses=[ImportStatus.VALIDATING])
        return
    except Exception:
        logger.exception("Validation of enterprise import %s failed", job.pk)
        message = "读取文件时出错,请确认文件未损坏、内容与导入模板一致后重新上传"
        import_job_fail(job=job, message=message, from_statuses=[ImportStatus.VALIDATING])
        return
    if result is not None:
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.VALIDATING).update(
            status=ImportStatus.PREVIEW, **result
        )


def _validate_file(job: ImportJob) -> dict[str, Any] | None:
    checker = RowChecker(today=timezone.localdate())
    errors: list[dict[str, Any]] = []
    preview: list[dict[str, Any]] = []
    valid_usccs: list[str] = []
    processed = rejected = 0
    with job.file.open("rb") as fh, read_table(fh, job.original_name) as table:
        present = [c for _, c in table.columns]
        estimate = table.estimated_rows
        ImportJob.objects.filter(pk=job.pk).update(total_rows=estimate)
        beat(job.pk)
        for row in checked_rows(table, checker):
            processed += 1
            if row.errors:
                rejected += 1
                errors.extend(row.errors[: max(0, MAX_STORED_ERRORS - len(errors))])
            else:
                valid_usccs.append(row.values["uscc"])
                if len(preview) < PREVIEW_ROWS:
                    values = {c.key: _display(row.values.get(c.key), c) for c in present}
                    preview.append({"row": row.row_number, "uscc": row.values["uscc"], "values": values})
            if processed % PROGRESS_EVERY == 0:
                still_running = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.VALIDATING).update(
                    processed_rows=processed, total_rows=max(estimate, processed)
                )
                if not still_running:  # cancelled meanwhile
                    return None
                beat(job.pk)
    if processed == 0:
        raise ImportFileError("文件中只有表头,没有企业数据")
    existing = _existing_usccs(valid_usccs)
    for item in preview:
        item["action"] = "update" if item["uscc"] in existing else "create"
    return {
        "total_rows": processed,
        "processed_rows": processed,
        "valid_rows": len(valid_usccs),
        "rejected_rows": rejected,
        "errors": errors,
        "preview": preview,
        # While the job awaits confirmation these two hold the forecast; apply overwrites them with the outcome.
        "created_count": len(valid_usccs) - len(existing),
        "updated_count": len(existing),
        "failure_message": "",
    }


def import_job_confirm(*, job: ImportJob, by: Any) -> ImportJob:
    """PREVIEW → IMPORTING. The caller enqueues the apply task."""
    if job.status != ImportStatus.PREVIEW:
        raise ApplicationError(f"当前状态为“{job.get_status_display()}”,不能确认导入")
    if not job.valid_rows:
        raise ApplicationError("没有可导入的有效行")
    with transaction.atomic():
        # Conditional, so a double click cannot start two imports.
        if not ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEW).update(status=ImportStatus.IMPORTING):
            raise ApplicationError("该导入已被确认或取消,请刷新页面")
        _audit_step(job, "confirm", by=by, valid_rows=job.valid_rows, rejected_rows=job.rejected_rows)
    cache.set(progress_cache_key(job.pk), 0, PROGRESS_TIMEOUT)
    beat(job.pk)
    job.refresh_from_db()
    return job


def import_job_restart(*, job: ImportJob, by: Any) -> str:
    """Put a stalled job back in the queue; returns the phase to enqueue ("validate" or "apply").

    Both phases are safe to run again: validation only rewrites the job, and an interrupted apply left nothing behind
    because its transaction never committed.
    """
    if not import_job_stalled(job):
        raise ApplicationError("后台任务仍在进行,请稍候")
    phase = "apply" if job.status == ImportStatus.IMPORTING else "validate"
    with transaction.atomic():
        if job.status == ImportStatus.VALIDATING:
            ImportJob.objects.filter(pk=job.pk, status=ImportStatus.VALIDATING).update(
                status=ImportStatus.UPLOADED, processed_rows=0
            )
        _audit_step(job, "restart", by=by, phase=phase)
    beat(job.pk)
    return phase


def import_job_cancel(*, job: ImportJob, by: Any) -> ImportJob:
    with transaction.atomic():
        if not ImportJob.objects.filter(pk=job.pk, status__in=CANCELLABLE_STATUSES).update(
            status=ImportStatus.CANCELLED, finished_at=timezone.now()
        ):
            raise ApplicationError("导入已开始或已结束,不能取消")
        _audit_step(job, "cancel", by=by)
    job.refresh_from_db()
    return job


class _ApplyAborted(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_before_lock() -> bool:
    """SQLite has one write lock, taken when the transaction begins: read and check the file before that, so the lock
    is held only while rows are written. PostgreSQL streams the file inside the transaction instead."""
    return connection.vendor == "sqlite"


def import_apply(*, job: ImportJob, by: Any = None) -> ImportJob:
    """Save every valid row in one transaction; on any failure roll everything back and mark the job FAILED."""
    key = progress_cache_key(job.pk)
    started = False
    try:
        preread = None
        if read_before_lock() and ImportJob.objects.filter(pk=job.pk, status=ImportStatus.IMPORTING).exists():
            preread = list(_stream_rows(job))
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            if locked.status != ImportStatus.IMPORTING:  # already applied, failed or cancelled: run-twice safe
                return locked
            started = True
            beat(job.pk)
            locked.created_count, locked.updated_count = _apply_rows(locked, by=by, rows=preread)
            locked.status = ImportStatus.DONE
            locked.finished_at = timezone.now()
            locked.save(update_fields=["status", "created_count", "updated_count", "finished_at"])
            _record_outcome(locked, by=by)
    except _ApplyAborted as exc:
        message = exc.message
    except Exception:
        logger.exception("Enterprise import %s failed while applying", job.pk)
        if not started:
            # We never held the job (e.g. a second run timed out waiting for the first one's lock): not our failure.
            job.refresh_from_db()
            return job
        message = "导入时发生系统错误"
    else:
        cache.delete(key)
        return locked
    cache.delete(key)
    message = f"{message}。本次导入已全部撤销,没有保存任何企业数据"
    if import_job_fail(job=job, message=message, from_statuses=[ImportStatus.IMPORTING]):
        _record_outcome(job, by=by, failure=message)
    job.refresh_from_db()
    return job


def _record_outcome(job: ImportJob, *, by: Any, failure: str = "") -> None:
    """The apply's outcome: one audit row, and a note in the uploader's inbox."""
    detail = _audit_detail(job)
    if failure:
        result, title, body = AuditResult.FAILURE, "企业导入失败", f"文件“{job.original_name}”导入失败:{failure}。"
        detail["reason"] = failure
    else:
        result, title = AuditResult.SUCCESS, "企业导入完成"
        body = f"文件“{job.original_name}”已导入:新增 {job.created_count} 家企业,更新 {job.updated_count} 家企业。"
    audit_record(action=Action.IMPORT, user=by, obj=job, result=result, detail=detail)
    notify(
        recipients=[job.created_by],
        title=title,
        body=body,
        link=reverse("enterprises:import_detail", args=[job.pk]),
        category="import",
    )


def _stream_rows(job: ImportJob) -> Iterator[CheckedRow]:
    """The stored file's rows, checked again; the file is opened once, for its hash and then for its rows."""
    with job.file.open("rb") as fh:
        if _file_sha256(fh) != job.file_sha256:
            raise _ApplyAborted("文件内容与上传时不一致")
        fh.seek(0)
        try:
            with read_table(fh, job.original_name) as table:
                yield from checked_rows(table, RowChecker(today=timezone.localdate()))
        except ImportFileError as exc:
            raise _ApplyAborted(exc.message) from exc


def _apply_rows(job: ImportJob, *, by: Any, rows: list[CheckedRow] | None = None) -> tuple[int, int]:
    """Save the valid rows in chunks; returns (created, updated)."""
    progress_key = progress_cache_key(job.pk)
    saved = created = rejected = 0
    chunk: list[tuple[int, EnterpriseInput]] = []

    def save_chunk() -> None:
        nonlocal saved, created
        created += _save_chunk(job, chunk, by=by)
        saved += len(chunk)
        chunk.clear()
        cache.set(progress_key, saved, PROGRESS_TIMEOUT)
        beat(job.pk)

    for row in rows if rows is not None else _stream_rows(job):
        if row.errors:
            rejected += 1
            continue
        chunk.append((row.row_number, row.to_input()))
        if len(chunk) >= APPLY_CHUNK_ROWS:
            save_chunk()
    if chunk:
        save_chunk()
    if saved != job.valid_rows or rejected != job.rejected_rows:
        raise _ApplyAborted("文件的校验结果与预览时不一致(乡镇、园区、产业链或资质等基础数据可能已调整),请重新上传校验")
    return created, saved - created


def _save_chunk(job: ImportJob, chunk: list[tuple[int, EnterpriseInput]], *, by: Any) -> int:
    """Save one chunk of (row number, input); returns how many enterprises it created."""
    rows = f"第{chunk[0][0]}至{chunk[-1][0]}行" if len(chunk) > 1 else f"第{chunk[0][0]}行"
    try:
        result = enterprise_save_many(items=[data for _, data in chunk], source=job.source, as_of=job.as_of, by=by)
    except ApplicationError as exc:
        index = exc.extra.get("index")
        where = f"第{chunk[index][0]}行" if isinstance(index, int) and 0 <= index < len(chunk) else rows
        raise _ApplyAborted(f"{where}:{exc.message}") from exc
    except Exception as exc:
        logger.exception("Import %s: saving rows %s to %s failed", job.pk, chunk[0][0], chunk[-1][0])
        raise _ApplyAborted(f"{rows}保存失败(系统错误)") from exc
    return result.created


def _audit_detail(job: ImportJob) -> dict[str, Any]:
    return {
        "step": "apply",
        "job_id": job.pk,
        "file_name": job.original_name,
        "file_sha256": job.file_sha256,
        "source": job.source,
        "as_of": job.as_of.isoformat(),
        "valid_rows": job.valid_rows,
        "rejected_rows": job.rejected_rows,
        "created": job.created_count if job.status == ImportStatus.DONE else 0,
        "updated": job.updated_count if job.status == ImportStatus.DONE else 0,
    }
