"""A matching run: one published version against every enterprise, in the database, in id-range chunks.

Each chunk commits its results and the run's progress, so the progress page (another process) sees it advance and
a crashed worker loses at most one chunk; running the same run again is safe (results are upserted, grants unique,
notifications sent once per policy and enterprise).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max, Min
from django.urls import reverse
from django.utils import timezone

from yingshang.accounts.models import User
from yingshang.enterprises.models import Enterprise

from . import engine
from .grants import grants_create_for
from .models import MatchResult, MatchRun, PolicySubscription, PolicyVersion, RunStatus, Verdict

logger = logging.getLogger(__name__)

CHUNK = 5000
NOTIFY_BATCH = 500


def _store_chunk(run: MatchRun, eligible: list[int], unknown: list[int]) -> None:
    rows = [
        MatchResult(version=run.version, policy_id=run.version.policy_id, enterprise_id=pk, verdict=verdict, run=run)
        for pks, verdict in ((eligible, Verdict.ELIGIBLE), (unknown, Verdict.UNKNOWN))
        for pk in pks
    ]
    if rows:
        MatchResult.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["version", "enterprise"],
            update_fields=["verdict", "run"],
        )


def match_run_execute(*, run: MatchRun) -> MatchRun:
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return run
    version = run.version
    try:
        return _execute(run, version)
    except Exception as exc:
        logger.exception("Matching run %s failed", run.pk)
        MatchRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, failure_message=f"匹配失败:{exc}"[:1000], finished_at=timezone.now()
        )
        run.refresh_from_db()
        return run


def _execute(run: MatchRun, version: PolicyVersion) -> MatchRun:
    eligible_q, unknown_q = engine.compile_rule(version.rule, decision_date=run.decision_date)
    bounds = Enterprise.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    run.total = Enterprise.objects.count()
    run.processed = run.eligible_count = run.unknown_count = 0
    run.status = RunStatus.RUNNING
    run.save(update_fields=["status", "total", "processed", "eligible_count", "unknown_count"])
    if bounds["lo"] is not None:
        for lo in range(bounds["lo"], bounds["hi"] + 1, CHUNK):
            chunk = Enterprise.objects.filter(pk__gte=lo, pk__lt=lo + CHUNK)
            eligible = list(chunk.filter(eligible_q).values_list("pk", flat=True))
            unknown = list(chunk.filter(unknown_q).values_list("pk", flat=True))
            with transaction.atomic():
                _store_chunk(run, eligible, unknown)
                run.processed += chunk.count()
                run.eligible_count += len(eligible)
                run.unknown_count += len(unknown)
                run.save(update_fields=["processed", "eligible_count", "unknown_count"])
    with transaction.atomic():
        # Enterprises that no longer match this version (their data changed) lose their stale result.
        MatchResult.objects.filter(version=version).exclude(run=run).delete()
        run.new_matches = notify_new_matches(version=version)
        if version.auto_grant:
            run.grants_created = grants_create_for(version=version, decision_date=run.decision_date, run=run)
        run.status = RunStatus.DONE
        run.finished_at = timezone.now()
        run.processed = run.total
        run.save(update_fields=["new_matches", "grants_created", "status", "finished_at", "processed"])
    return run


def _batches(values: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


@transaction.atomic
def notify_new_matches(*, version: PolicyVersion) -> int:
    """Tell each newly eligible enterprise once per policy (a re-run or a new version does not repeat it)."""
    already = MatchResult.objects.filter(policy_id=version.policy_id, notified_at__isnull=False).values("enterprise_id")
    new_ids = list(
        MatchResult.objects.filter(version=version, verdict=Verdict.ELIGIBLE, notified_at__isnull=True)
        .exclude(enterprise_id__in=already)
        .values_list("enterprise_id", flat=True)
    )
    if not new_ids:
        return 0
    from yingshang.core.notifications import notify

    link = reverse("policies:package")
    title = f"新的惠企政策与贵企业匹配:{version.title}"[:200]
    body = (
        f"根据企业信息,贵企业符合《{version.title}》的条件"
        + (
            "(免申即享,无需申报,待审核部门确认后拨付)"
            if version.auto_grant
            else ",请在“我的政策礼包”查看预计金额和申报要求"
        )
        + "。"
    )
    now = timezone.now()
    sent = 0
    for batch in _batches(new_ids, NOTIFY_BATCH):
        sms_ids = set(
            PolicySubscription.objects.filter(enterprise_id__in=batch, sms=True).values_list("enterprise_id", flat=True)
        )
        # Claim the batch first (rows locked, re-checked after a concurrent claim commits): a run delivered twice
        # to two workers tells each enterprise once.
        claimed = list(
            MatchResult.objects.select_for_update()
            .filter(version=version, enterprise_id__in=batch, notified_at__isnull=True)
            .values_list("enterprise_id", flat=True)
        )
        MatchResult.objects.filter(version=version, enterprise_id__in=claimed).update(notified_at=now)
        sent += len(claimed)
        users = list(User.objects.filter(enterprise_id__in=claimed, is_active=True))
        notify(
            recipients=[u for u in users if u.enterprise_id in sms_ids],
            title=title,
            body=body,
            link=link,
            category="policy_match",
            sms=True,
        )
        notify(
            recipients=[u for u in users if u.enterprise_id not in sms_ids],
            title=title,
            body=body,
            link=link,
            category="policy_match",
        )
    return sent


def match_progress(run: MatchRun) -> dict[str, Any]:
    running = run.status in (RunStatus.QUEUED, RunStatus.RUNNING)
    percent = 100 if not running else (run.processed * 100 // run.total if run.total else 0)
    return {"running": running, "percent": min(percent, 100), "run": run}


def latest_run(version: PolicyVersion | None) -> MatchRun | None:
    if version is None:
        return None
    return version.runs.order_by("-created_at", "-id").first()
