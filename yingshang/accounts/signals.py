"""Logins, failures and logouts go to the audit log."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from yingshang.core.audit import Action, audit_record
from yingshang.core.models import AuditResult
from yingshang.core.request_context import client_ip_from_request


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **_: Any) -> None:
    audit_record(action=Action.LOGIN, user=user, obj=user, ip=client_ip_from_request(request) if request else None)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **_: Any) -> None:
    if user is not None:
        audit_record(action=Action.LOGOUT, user=user, obj=user, ip=client_ip_from_request(request) if request else None)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any) -> None:
    audit_record(
        action=Action.LOGIN_FAILED,
        result=AuditResult.FAILURE,
        username=str(credentials.get("username", ""))[:150],
        ip=client_ip_from_request(request) if request is not None else None,
    )


@receiver(user_locked_out)
def _locked_out(
    sender: Any, request: Any, username: str | None = None, ip_address: str | None = None, **_: Any
) -> None:
    audit_record(
        action=Action.LOCKED_OUT,
        result=AuditResult.FAILURE,
        username=str(username or "")[:150],
        ip=ip_address or (client_ip_from_request(request) if request is not None else None),
    )
