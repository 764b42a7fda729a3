"""Who is acting and from where, available to services without threading `request` through every call."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class RequestContext:
    ip: str = ""
    user_agent: str = ""


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "ys_request_context",
    default=RequestContext(),  # noqa: B039 - frozen dataclass, immutable
)


def client_ip_from_request(request: HttpRequest | Any) -> str:
    # Deployments sit behind nginx, which sets X-Real-IP; REMOTE_ADDR is nginx itself there.
    meta = getattr(request, "META", {}) or {}
    ip = meta.get("HTTP_X_REAL_IP") or meta.get("REMOTE_ADDR") or ""
    return str(ip)[:45]


def current() -> RequestContext:
    return _current.get()


def set_from_request(request: HttpRequest) -> contextvars.Token[RequestContext]:
    ctx = RequestContext(
        ip=client_ip_from_request(request),
        user_agent=str(request.META.get("HTTP_USER_AGENT", ""))[:255],
    )
    return _current.set(ctx)


def reset(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)
