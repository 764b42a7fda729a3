"""Reads for the import pages: who may see a job, the job list, the preview table and the error list (phone numbers
masked), an earlier import of the file."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from yingshang.accounts.roles import Cap, Role
from yingshang.core.masking import mask_phone

from ..models import ImportJob, ImportStatus
from .columns import COLUMNS


def import_job_visible_to(job: ImportJob, user: Any) -> bool:
    """The creator, or any coordinator; and only while the account may import at all."""
    if not getattr(user, "is_authenticated", False) or not user.has_cap(Cap.IMPORT_ENTERPRISES):
        return False
    return job.created_by_id == user.pk or user.role == Role.COORDINATOR


def import_jobs_for(user: Any) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.select_related("created_by").defer("errors", "preview")
    if user.role == Role.COORDINATOR:
        return jobs
    return jobs.filter(created_by=user)


def preview_table(job: ImportJob) -> tuple[list[str], list[dict[str, Any]]]:
    """Headers and rows of the preview, in template column order, for the columns the file had."""
    items = job.preview if isinstance(job.preview, list) else []
    keys = {k for item in items for k in item.get("values", {})}
    columns = [c for c in COLUMNS if c.key in keys]
    # Validation stores phones masked already; masking again (it is idempotent) covers jobs stored before it did.
    rows = [
        {
            "row": item.get("row"),
            "action": item.get("action", ""),
            "cells": [_masked(c.kind == "phone", item["values"].get(c.key, "")) for c in columns],
        }
        for item in items
    ]
    return [c.header for c in columns], rows


_PHONE_HEADERS = frozenset(c.header for c in COLUMNS if c.kind == "phone")


def import_errors(job: ImportJob) -> list[dict[str, Any]]:
    """The stored error list (row, column, value, message) with phone numbers masked, for the page and the report."""
    errors = job.errors if isinstance(job.errors, list) else []
    return [{**e, "value": _masked(e.get("column") in _PHONE_HEADERS, e.get("value"))} for e in errors]


def _masked(is_phone: bool, value: Any) -> Any:
    return mask_phone(str(value)) if is_phone and value else value


def previous_import_of_same_file(job: ImportJob) -> ImportJob | None:
    return (
        ImportJob.objects.filter(file_sha256=job.file_sha256, status=ImportStatus.DONE)
        .exclude(pk=job.pk)
        .order_by("-finished_at")
        .first()
    )
