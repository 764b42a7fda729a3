"""Append-only, hash-chained audit log.

Each row's hash is HMAC-SHA256, keyed with settings.AUDIT_HMAC_KEY, over the previous row's hash and the row's
canonical content. Appending locks the chain head row, so concurrent writers serialise and `seq` has no gaps.
`verify_chain` finds the first row whose content, link or sequence does not match.

Why a keyed hash: with plain SHA-256 anyone who can write to the database (the system administrator, a DBA) could
delete or edit the newest rows and recompute the following hashes and the chain head, and the chain would verify.
The HMAC key never lives in the database (it comes from the environment and belongs to the security administrator),
so rewriting any row undetected needs both the database and the key. On PostgreSQL a trigger also refuses UPDATE
and DELETE on the table except inside `audit_prune` (migration 0002).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.utils import timezone

from . import request_context
from .errors import ApplicationError
from .models import AuditChainHead, AuditLog, AuditResult


class Action:
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    LOCKED_OUT = "locked_out"
    OTP_ENROLLED = "otp_enrolled"
    OTP_FAILED = "otp_failed"
    PASSWORD_CHANGED = "password_changed"
    ROLE_CHANGED = "role_changed"
    PERMISSION_CHANGED = "permission_changed"
    ACCOUNT_CREATED = "account_created"
    ACCOUNT_UPDATED = "account_updated"
    ACCOUNT_UNLOCKED = "account_unlocked"
    INVITATION_CREATED = "invitation_created"
    INVITATION_ACCEPTED = "invitation_accepted"
    EXPORT = "export"
    PERSONAL_DATA_VIEWED = "personal_data_viewed"
    APPROVAL = "approval"
    STATE_CHANGE = "state_change"
    RECORD_CREATED = "record_created"
    RECORD_UPDATED = "record_updated"
    IMPORT = "import"
    CALENDAR_CHANGED = "calendar_changed"
    DEPARTMENT_CHANGED = "department_changed"
    AUDIT_VIEWED = "audit_viewed"
    AUDIT_PRUNED = "audit_pruned"
    OUTBOX_VIEWED = "outbox_viewed"
    KNOWLEDGE_CHANGED = "knowledge_changed"
    # 企业诉求 (yingshang.appeals)
    APPEAL_FILED = "appeal_filed"
    APPEAL_TRANSITION = "appeal_transition"
    APPEAL_EXCLUDED = "appeal_excluded"
    APPEAL_RANKING_PUBLISHED = "appeal_ranking_published"
    # Open311 (yingshang.open311)
    OPEN311_KEY_CREATED = "open311_key_created"
    OPEN311_KEY_REVOKED = "open311_key_revoked"
    OPEN311_REQUEST = "open311_request"


ACTION_LABELS = {
    Action.LOGIN: "登录",
    Action.LOGIN_FAILED: "登录失败",
    Action.LOGOUT: "退出登录",
    Action.LOCKED_OUT: "账号锁定",
    Action.OTP_ENROLLED: "绑定动态口令",
    Action.OTP_FAILED: "动态口令错误",
    Action.PASSWORD_CHANGED: "修改密码",
    Action.ROLE_CHANGED: "角色变更",
    Action.PERMISSION_CHANGED: "权限变更",
    Action.ACCOUNT_CREATED: "创建账号",
    Action.ACCOUNT_UPDATED: "修改账号",
    Action.ACCOUNT_UNLOCKED: "解除锁定",
    Action.INVITATION_CREATED: "邀请企业账号",
    Action.INVITATION_ACCEPTED: "接受邀请",
    Action.EXPORT: "导出",
    Action.PERSONAL_DATA_VIEWED: "查看个人信息",
    Action.APPROVAL: "审批",
    Action.STATE_CHANGE: "状态变更",
    Action.RECORD_CREATED: "新建记录",
    Action.RECORD_UPDATED: "修改记录",
    Action.IMPORT: "导入",
    Action.CALENDAR_CHANGED: "工作日历变更",
    Action.DEPARTMENT_CHANGED: "部门变更",
    Action.AUDIT_VIEWED: "查阅审计日志",
    Action.AUDIT_PRUNED: "审计日志截除",
    Action.OUTBOX_VIEWED: "查阅发件箱",
    Action.KNOWLEDGE_CHANGED: "知识库变更",
    Action.APPEAL_FILED: "登记企业诉求",
    Action.APPEAL_TRANSITION: "诉求办理",
    Action.APPEAL_EXCLUDED: "诉求核减",
    Action.APPEAL_RANKING_PUBLISHED: "发布红黄榜",
    Action.OPEN311_KEY_CREATED: "创建Open311接口密钥",
    Action.OPEN311_KEY_REVOKED: "吊销Open311接口密钥",
    Action.OPEN311_REQUEST: "Open311接口提交诉求",
}

GENESIS_HASH = "0" * 64
AUDIT_HMAC_KEY_MIN_LENGTH = 32
# The PostgreSQL trigger (migration 0002) lets UPDATE/DELETE through only while this session setting is 'on'.
PRUNE_SESSION_SETTING = "yingshang.audit_prune"


def _canonical(row: AuditLog) -> bytes:
    content = {
        "seq": row.seq,
        "created_at": row.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "user_id": row.user_id,
        "username": row.username,
        "ip": row.ip,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "object_repr": row.object_repr,
        "result": row.result,
        "detail": row.detail,
        "prev_hash": row.prev_hash,
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def _hmac_key() -> bytes:
    key = str(getattr(settings, "AUDIT_HMAC_KEY", "") or "")
    if len(key) < AUDIT_HMAC_KEY_MIN_LENGTH:
        raise ImproperlyConfigured(
            f"AUDIT_HMAC_KEY 未设置或短于 {AUDIT_HMAC_KEY_MIN_LENGTH} 个字符,无法写入或校验审计日志"
        )
    return key.encode()


def compute_hash(row: AuditLog, *, key: bytes | None = None) -> str:
    return hmac.new(_hmac_key() if key is None else key, _canonical(row), hashlib.sha256).hexdigest()


def head_mac(head: AuditChainHead, *, key: bytes | None = None) -> str:
    content = json.dumps(
        ["audit-chain-head", head.anchor_seq, head.anchor_hash, head.last_seq, head.last_hash], separators=(",", ":")
    ).encode()
    return hmac.new(_hmac_key() if key is None else key, content, hashlib.sha256).hexdigest()


def _seal(head: AuditChainHead, fields: list[str]) -> None:
    head.mac = head_mac(head)
    head.save(update_fields=[*fields, "mac"])


def _object_fields(obj: models.Model | None) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    return obj._meta.label_lower, str(obj.pk), str(obj)[:255]


@transaction.atomic
def audit_record(
    *,
    action: str,
    user: Any = None,
    obj: models.Model | None = None,
    result: str = AuditResult.SUCCESS,
    detail: dict[str, Any] | None = None,
    username: str | None = None,
    ip: str | None = None,
) -> AuditLog:
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    object_type, object_id, object_repr = _object_fields(obj)
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    row = AuditLog(
        seq=head.last_seq + 1,
        created_at=timezone.now(),
        user=user if authenticated else None,
        username=(username if username is not None else (user.get_username() if authenticated else ""))[:150],
        ip=ip if ip is not None else request_context.current().ip,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        result=result,
        # JSON round-trip so the hash is computed over exactly what the database will give back.
        detail=json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str)),
        prev_hash=head.last_hash,
    )
    row.row_hash = compute_hash(row)
    row.save(force_insert=True)
    head.last_seq = row.seq
    head.last_hash = row.row_hash
    _seal(head, ["last_seq", "last_hash"])
    return row


@dataclass(frozen=True)
class VerifyProblem:
    seq: int
    reason: str


@dataclass(frozen=True)
class VerifyReport:
    rows_checked: int
    problem: VerifyProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _iter_rows(upto: int | None, batch: int = 2000) -> Iterator[AuditLog]:
    last = -1
    bounded = AuditLog.objects.all() if upto is None else AuditLog.objects.filter(seq__lte=upto)
    while True:
        rows = list(bounded.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify_chain() -> VerifyReport:
    """Walk the chain from the anchor (genesis, or the last pruned row) and report the first broken row."""
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and not hmac.compare_digest(head.mac, head_mac(head)):
        # The head says where the chain starts and ends; if it was rewritten, nothing it says can be trusted.
        return VerifyReport(0, VerifyProblem(head.last_seq, "链头校验码不匹配:链头被改写(最新或最早的记录可能被删除)"))
    expected_seq = (head.anchor_seq if head else 0) + 1
    expected_prev = head.anchor_hash if head else GENESIS_HASH
    checked = 0
    # Only up to the head as read now: rows other users append while we walk are not part of this check (and would
    # otherwise look like a head/last-row mismatch).
    for row in _iter_rows(head.last_seq if head else None):
        if row.seq != expected_seq:
            return VerifyReport(
                checked, VerifyProblem(expected_seq, f"缺失第 {expected_seq} 条(下一条为第 {row.seq} 条)")
            )
        if row.prev_hash != expected_prev:
            return VerifyReport(
                checked,
                VerifyProblem(row.seq, f"前序哈希与第 {row.seq - 1} 条不衔接:第 {row.seq - 1} 条或本条被篡改"),
            )
        if not hmac.compare_digest(compute_hash(row), row.row_hash):
            return VerifyReport(checked, VerifyProblem(row.seq, "内容哈希不匹配:本条被篡改"))
        checked += 1
        expected_seq = row.seq + 1
        expected_prev = row.row_hash
    if head is not None and head.last_seq >= expected_seq:
        return VerifyReport(
            checked, VerifyProblem(expected_seq, f"缺失第 {expected_seq} 至 {head.last_seq} 条(末尾被删除)")
        )
    if head is not None and head.last_seq and head.last_hash != expected_prev:
        return VerifyReport(checked, VerifyProblem(head.last_seq, "链头哈希与最后一条不一致"))
    return VerifyReport(checked, None)


def retention_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.AUDIT_MIN_RETENTION_DAYS)


@dataclass(frozen=True)
class PrunePlan:
    cutoff: datetime
    clamped: bool  # the requested date was later than the minimum retention allows
    through_seq: int  # rows with anchor < seq <= through_seq go; 0 when nothing goes
    rows: int


def _prune_plan(head: AuditChainHead, before: datetime) -> PrunePlan:
    limit = retention_cutoff()
    cutoff = min(before, limit)
    # Only a prefix of the chain can go: stop at the first row young enough to keep, even if a later row carries an
    # older timestamp (clock skew), so no row younger than the cutoff is ever removed.
    first_kept = (
        AuditLog.objects.filter(seq__gt=head.anchor_seq, created_at__gte=cutoff)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    through = first_kept - 1 if first_kept is not None else head.last_seq
    rows = (
        AuditLog.objects.filter(seq__gt=head.anchor_seq, seq__lte=through).count() if through > head.anchor_seq else 0
    )
    return PrunePlan(cutoff=cutoff, clamped=before > limit, through_seq=through if rows else 0, rows=rows)


def audit_prune_plan(*, before: datetime) -> PrunePlan:
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead(pk=1)
    return _prune_plan(head, before)


def _set_prune_flag(value: str) -> None:
    """Open or close the PostgreSQL trigger; `set_config(..., true)` is SET LOCAL: it never outlives the transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [PRUNE_SESSION_SETTING, value])


@transaction.atomic
def audit_prune(*, before: datetime, by: Any = None, username: str | None = None) -> int:
    """Remove rows older than `before` from the start of the chain; never rows younger than the minimum retention.

    The chain is verified first: pruning a broken chain would destroy the evidence, so it is refused. The last
    removed row becomes the anchor that `verify_chain` starts from.
    """
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    report = verify_chain()
    if not report.ok:
        assert report.problem is not None
        raise ApplicationError(
            f"审计日志校验未通过(第 {report.problem.seq} 条:{report.problem.reason}),为保全证据,拒绝截除"
        )
    plan = _prune_plan(head, before)
    if not plan.rows:
        return 0
    last = AuditLog.objects.get(seq=plan.through_seq)
    head.anchor_seq = last.seq
    head.anchor_hash = last.row_hash
    _seal(head, ["anchor_seq", "anchor_hash"])
    # QuerySet.delete bypasses the model's delete() guard on purpose: this is the one sanctioned removal. The trigger
    # is opened for this statement only (closed again at once in case the caller's transaction goes on).
    _set_prune_flag("on")
    AuditLog.objects.filter(seq__lte=last.seq).delete()
    _set_prune_flag("off")
    audit_record(
        action=Action.AUDIT_PRUNED,
        user=by,
        username=username,
        detail={"through_seq": last.seq, "rows": plan.rows, "cutoff": plan.cutoff, "requested_before": before},
    )
    return plan.rows
