"""Who is acting and from where, available to services without threading `request` through every call."""

from __future__ import annotations

import contextvars
import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class RequestContext:
    ip: str = ""
    user_agent: str = ""


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "ys_request_context",
    default=RequestContext(),  # noqa: B039 - frozen dataclass, immutable
)


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IpNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _is_trusted(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: tuple[IpNetwork, ...]) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in trusted)


def client_ip_from_request(request: HttpRequest | Any) -> str:
    """The client's address for audit rows and django-axes.

    Forwarding headers are written by whoever sends the request, so they are believed only when the request comes
    from a proxy listed in TRUSTED_PROXIES (nginx on the same host: 127.0.0.1). Then X-Real-IP (set by nginx to the
    address it saw) wins; failing that, the right-most X-Forwarded-For entry that is not itself a trusted proxy —
    entries further left were supplied by the client and prove nothing. Otherwise REMOTE_ADDR, whatever the headers say.
    """
    meta = getattr(request, "META", {}) or {}
    remote = str(meta.get("REMOTE_ADDR") or "").strip()
    remote_ip = _parse_ip(remote)
    trusted = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if remote_ip is None or not trusted or not _is_trusted(remote_ip, trusted):
        return remote[:45]
    real_ip = _parse_ip(str(meta.get("HTTP_X_REAL_IP") or ""))
    if real_ip is not None:
        return str(real_ip)[:45]
    for entry in reversed(str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")):
        hop = _parse_ip(entry)
        if hop is None:
            # A malformed hop means the chain cannot be read past this point; the proxy itself is what we know.
            break
        if not _is_trusted(hop, trusted):
            return str(hop)[:45]
    return remote[:45]


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
