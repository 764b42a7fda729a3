"""Progress and liveness of a running import, shared between the worker and the web process through the cache.

The apply phase runs in one transaction, so nobody outside it can see the rows it writes: its progress and the
worker's heartbeat go through the cache instead. A running job whose heartbeat stops is stalled and may be restarted.
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

from ..models import ImportJob, ImportStatus

PROGRESS_TIMEOUT = 24 * 3600
STALL_SECONDS = 300  # a running phase silent this long lost its worker (crash, deploy, or no worker running)

RUNNING_STATUSES = frozenset({ImportStatus.UPLOADED, ImportStatus.VALIDATING, ImportStatus.IMPORTING})


def progress_cache_key(job_pk: int) -> str:
    return f"enterprises:import:{job_pk}:applied"


def _beat_key(job_pk: int) -> str:
    return f"enterprises:import:{job_pk}:beat"


def beat(job_pk: int) -> None:
    """The worker's sign of life, shared with the web process through the cache."""
    cache.set(_beat_key(job_pk), clock.time(), PROGRESS_TIMEOUT)


def import_job_stalled(job: ImportJob) -> bool:
    if job.status not in RUNNING_STATUSES:
        return False
    last = cache.get(_beat_key(job.pk))
    silent = clock.time() - last if last else (timezone.now() - job.created_at).total_seconds()
    return silent > STALL_SECONDS


@dataclass(frozen=True)
class ImportProgress:
    running: bool
    phase: str
    processed: int
    total: int
    stalled: bool = False

    @property
    def percent(self) -> int:
        if not self.running:
            return 100
        if not self.total:
            return 0
        return min(100, self.processed * 100 // self.total)


def import_progress(job: ImportJob) -> ImportProgress:
    stalled = import_job_stalled(job)
    if job.status == ImportStatus.UPLOADED:
        return ImportProgress(True, "排队等待校验", 0, 0, stalled)
    if job.status == ImportStatus.VALIDATING:
        return ImportProgress(True, "正在校验", job.processed_rows, job.total_rows, stalled)
    if job.status == ImportStatus.IMPORTING:
        done = int(cache.get(progress_cache_key(job.pk)) or 0)
        return ImportProgress(True, "正在导入", min(done, job.valid_rows), job.valid_rows, stalled)
    return ImportProgress(False, job.get_status_display(), job.processed_rows, job.total_rows)
