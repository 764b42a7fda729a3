"""Background tasks of the policy app. Thin: load by id, call a service; safe to run twice."""

from __future__ import annotations

from django_tasks import task

from .models import MatchRun


@task()
def run_matching(run_id: int) -> None:
    from .matching import match_run_execute

    run = MatchRun.objects.select_related("version__policy").filter(pk=run_id).first()
    if run is None:
        return
    match_run_execute(run=run)


@task()
def remind_interests() -> None:
    """企业点单 reminders for windows that have opened; also run daily by `manage.py policies_remind`."""
    from .package import interests_remind

    interests_remind()
