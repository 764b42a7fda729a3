"""Background tasks of the enterprise app. Thin: load by id, check the state, call imports.pipeline. Run-twice safe."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from . import imports
from .models import ImportJob, ImportStatus


@task()
def validate_import(job_id: int) -> None:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status != ImportStatus.UPLOADED:
        return
    imports.import_validate(job=job)


@task()
def apply_import(job_id: int, by_id: int | None = None) -> None:
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.status != ImportStatus.IMPORTING:
        return
    by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    imports.import_apply(job=job, by=by or job.created_by)
