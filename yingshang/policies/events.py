"""The append-only timeline of policies, grants and applications: who did what, when, from which state to which."""

from __future__ import annotations

from typing import Any

from .models import Application, Grant, Policy, RecordEvent


def record_event(
    *,
    kind: str,
    summary: str,
    actor: Any = None,
    policy: Policy | None = None,
    grant: Grant | None = None,
    application: Application | None = None,
    from_status: str = "",
    to_status: str = "",
    detail: dict[str, Any] | None = None,
) -> RecordEvent:
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return RecordEvent.objects.create(
        policy=policy,
        grant=grant,
        application=application,
        actor=actor if authenticated else None,
        kind=kind,
        summary=summary[:255],
        from_status=from_status,
        to_status=to_status,
        detail=detail or {},
    )
