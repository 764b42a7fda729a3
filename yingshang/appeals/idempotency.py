"""Idempotency-Key for any POST of the API (filing has its own, inside `appeal_file`).

The key row and the work commit together: a request that fails leaves no key behind (the client may retry), a
request that succeeds stores its response, and a retry with the same key and body gets that response again without
doing the work twice. Of two concurrent requests with one key, the unique constraint lets one insert; the other
waits for it (PostgreSQL) and replays its stored response. The same key with another body is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from yingshang.core.errors import ConflictError

from .models import IdempotencyKey
from .services import IdempotencyMismatchError


@dataclass(frozen=True)
class KeyedResponse:
    status: int
    body: dict[str, Any]
    replayed: bool


def request_fingerprint(method: str, path: str, body: Any) -> str:
    text = json.dumps([method.upper(), path, body], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent_call(
    *, scope: str, key: str, request_hash: str, call: Callable[[], tuple[int, dict[str, Any]]]
) -> KeyedResponse:
    """Run `call` (returning status and JSON body) once per (scope, key)."""
    if len(key) > 255:
        raise IdempotencyMismatchError("Idempotency-Key 过长(最多 255 个字符)", field="Idempotency-Key")
    try:
        with transaction.atomic():
            row = IdempotencyKey.objects.create(scope=scope, key=key, request_hash=request_hash)
            status, body = call()
            row.response_status, row.response_body = status, body
            row.save(update_fields=["response_status", "response_body"])
            return KeyedResponse(status, body, replayed=False)
    except IntegrityError:
        seen = IdempotencyKey.objects.filter(scope=scope, key=key).first()
        if seen is None:  # the IntegrityError came from the work itself, not from the key
            raise
    if seen.request_hash != request_hash:
        raise IdempotencyMismatchError(
            "该 Idempotency-Key 已用于内容不同的另一个请求,请为新请求生成新的键", field="Idempotency-Key"
        )
    if not seen.response_body:
        raise ConflictError("相同 Idempotency-Key 的请求正在处理,请稍后重试")
    return KeyedResponse(seen.response_status, seen.response_body, replayed=True)
