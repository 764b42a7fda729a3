"""Applications for policies that are not 免申即享: materials, review (approve, reject, return for supplement),
disbursement and 公示. Uploads are checked by extension, size and the file's first bytes."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.enterprises.models import Enterprise

from . import engine
from .events import record_event
from .grants import can_review
from .models import (
    Application,
    ApplicationMaterial,
    ApplicationStatus,
    Disbursement,
    Policy,
    PolicyContent,
    PolicyStatus,
)
from .outcomes import evaluate_content, jsonable

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_PDF = (b"%PDF",)
_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0",)
# What each accepted extension must start with: a renamed executable or script is refused.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": _PDF,
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".docx": _ZIP,
    ".xlsx": _ZIP,
    ".doc": _OLE,
    ".xls": _OLE,
    ".ofd": _ZIP,
}
ALLOWED_TEXT = "PDF、OFD、JPG、PNG、Word、Excel"


def check_upload(upload: UploadedFile) -> None:
    name = upload.name or ""
    extension = Path(name).suffix.lower()
    if extension not in SIGNATURES:
        raise ApplicationError(f"文件「{name}」类型不支持,仅支持 {ALLOWED_TEXT} 文件")
    if not upload.size:
        raise ApplicationError(f"文件「{name}」是空文件")
    if upload.size > MAX_UPLOAD_BYTES:
        raise ApplicationError(f"文件「{name}」超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in SIGNATURES[extension]):
        raise ApplicationError(f"文件「{name}」的内容与扩展名 {extension} 不符,请上传原始文件")


def window_state(content: PolicyContent, today: date) -> str:
    """ "open", "not_yet" or "closed"."""
    if content.window_start and today < content.window_start:
        return "not_yet"
    if content.window_end and today > content.window_end:
        return "closed"
    if content.valid_to and today > content.valid_to:
        return "closed"
    return "open"


def _check_uploads(files: dict[int, UploadedFile], count: int) -> None:
    for index, upload in sorted(files.items()):
        if not 0 <= index < count:
            raise ApplicationError("材料序号无效")
        check_upload(upload)


def _store_file(application: Application, index: int, upload: UploadedFile, by: Any) -> ApplicationMaterial:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return ApplicationMaterial.objects.create(
        application=application,
        material_index=index,
        file=upload,
        original_name=(upload.name or "")[:255],
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=by,
    )


def _ensure_enterprise_user(by: Any, enterprise: Enterprise) -> None:
    if not (by.is_enterprise_user and by.enterprise_id == enterprise.pk):
        raise PermissionDeniedError("只能为本企业申报")


@transaction.atomic
def application_submit(
    *,
    policy: Policy,
    enterprise: Enterprise,
    by: Any,
    files: dict[int, UploadedFile],
    note: str = "",
    requested_fen: int | None = None,
) -> Application:
    _ensure_enterprise_user(by, enterprise)
    version = policy.current_version
    if policy.status != PolicyStatus.PUBLISHED or version is None:
        raise ApplicationError("该政策未发布或已废止,不能申报")
    if version.auto_grant:
        raise ApplicationError("该政策为免申即享,无需申报,符合条件的企业将自动兑现")
    today = timezone.localdate()
    state = window_state(version, today)
    if state == "not_yet":
        raise ApplicationError(f"申报将于 {version.window_start:%Y-%m-%d} 开始,可先“点单”关注,开始时提醒您")
    if state == "closed":
        raise ApplicationError("该政策申报已截止")
    missing = [m["name"] for i, m in enumerate(version.materials) if i not in files]
    if missing:
        raise ApplicationError(f"请上传全部申报材料,尚缺:{'、'.join(missing)}", field="files")
    if requested_fen is not None and requested_fen <= 0:
        raise ApplicationError("申请金额须大于 0", field="requested")
    _check_uploads(files, len(version.materials))  # before anything is written: a bad file leaves no orphans
    facts = engine.facts_for_enterprise(enterprise, decision_date=today)
    outcome = evaluate_content(version, facts, decision_date=today)
    now = timezone.now()
    try:
        with transaction.atomic():
            application = Application.objects.create(
                policy=policy,
                version=version,
                enterprise=enterprise,
                submitted_by=by,
                note=note.strip(),
                requested_fen=requested_fen,
                estimated_fen=outcome.amount_fen,
                facts_snapshot={"facts": jsonable(facts), "outcome": outcome.as_json()},
                submitted_at=now,
            )
    except IntegrityError:
        raise ApplicationError("贵企业已申报该政策且正在办理中,请勿重复申报") from None
    for index, upload in sorted(files.items()):
        _store_file(application, index, upload, by)
    record_event(kind="submitted", summary="提交申报", actor=by, application=application, to_status=application.status)
    audit_record(action=Action.RECORD_CREATED, user=by, obj=application, detail={"policy": policy.pk})
    _notify_reviewers(application, title=f"新的政策申报待审核:{version.title}")
    return application


def _notify_reviewers(application: Application, *, title: str) -> None:
    from django.urls import reverse

    from yingshang.accounts.models import User
    from yingshang.accounts.roles import Role
    from yingshang.core.notifications import notify

    reviewers = User.objects.filter(
        role=Role.DEPARTMENT_STAFF, department_id=application.policy.reviewing_department_id, is_active=True
    )
    notify(
        recipients=reviewers,
        title=title,
        body=f"申报企业:{application.enterprise.name}",
        link=reverse("policies:application_detail", args=[application.pk]),
        category="policy_application",
    )


def _notify_enterprise(application: Application, *, title: str, body: str) -> None:
    from django.urls import reverse

    from yingshang.accounts.models import User
    from yingshang.core.notifications import notify

    notify(
        recipients=User.objects.filter(enterprise_id=application.enterprise_id, is_active=True),
        title=title,
        body=body,
        link=reverse("policies:application_detail", args=[application.pk]),
        category="policy_application",
    )


def _locked(application: Application) -> Application:
    return (
        Application.objects.select_for_update().select_related("policy", "enterprise", "version").get(pk=application.pk)
    )


@transaction.atomic
def application_supplement(
    *, application: Application, by: Any, files: dict[int, UploadedFile], note: str = ""
) -> Application:
    """The enterprise answers a return: replaces the files it names and resubmits."""
    application = _locked(application)
    _ensure_enterprise_user(by, application.enterprise)
    if application.status != ApplicationStatus.RETURNED:
        raise ApplicationError("只有被退回补正的申报可以补充材料")
    if not files and not note.strip():
        raise ApplicationError("请上传补正材料或填写补正说明")
    _check_uploads(files, len(application.version.materials))
    for index, upload in sorted(files.items()):
        application.files.filter(material_index=index).delete()
        _store_file(application, index, upload, by)
    record_event(
        kind="supplemented",
        summary="补正后重新提交" + (f":{note.strip()}" if note.strip() else ""),
        actor=by,
        application=application,
        from_status=application.status,
        to_status=ApplicationStatus.SUBMITTED,
    )
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = timezone.now()
    application.save(update_fields=["status", "submitted_at"])
    _notify_reviewers(application, title=f"补正材料已提交:{application.version.title}")
    return application


REVIEW_DECISIONS = {
    "approve": (ApplicationStatus.APPROVED, "审核通过"),
    "reject": (ApplicationStatus.REJECTED, "不予通过"),
    "return": (ApplicationStatus.RETURNED, "退回补正"),
}


@transaction.atomic
def application_review(
    *, application: Application, by: Any, decision: str, reason: str = "", approved_fen: int | None = None
) -> Application:
    application = _locked(application)
    if not can_review(by, application.policy):
        raise PermissionDeniedError("只有该政策的审核部门可以审核")
    if application.status != ApplicationStatus.SUBMITTED:
        raise ApplicationError(f"当前状态为「{application.get_status_display()}」,不能审核")
    if decision not in REVIEW_DECISIONS:
        raise ApplicationError("请选择审核结论", field="decision")
    to, label = REVIEW_DECISIONS[decision]
    reason = reason.strip()
    if decision in ("reject", "return") and not reason:
        raise ApplicationError("不予通过或退回补正时必须填写原因", field="reason")
    if decision == "approve":
        amount = approved_fen if approved_fen is not None else application.estimated_fen
        if application.version.formula and (amount is None or amount <= 0):
            raise ApplicationError("请填写核定金额(大于 0)", field="approved")
        application.approved_fen = amount
    record_event(
        kind=decision,
        summary=label + (f":{reason}" if reason else ""),
        actor=by,
        application=application,
        from_status=application.status,
        to_status=to,
    )
    audit_record(
        action=Action.APPROVAL,
        user=by,
        obj=application,
        detail={"decision": decision, "reason": reason, "approved_fen": application.approved_fen},
    )
    application.status = to
    application.review_reason = reason
    application.decided_at = timezone.now()
    application.decided_by = by
    application.save(update_fields=["status", "review_reason", "decided_at", "decided_by", "approved_fen"])
    _notify_enterprise(
        application,
        title=f"政策申报{label}:{application.version.title}",
        body=reason or "请登录平台查看详情。",
    )
    return application


@transaction.atomic
def application_disburse(*, application: Application, by: Any, paid_on: date, voucher: str) -> Disbursement:
    application = _locked(application)
    if not can_review(by, application.policy):
        raise PermissionDeniedError("只有该政策的审核部门可以登记拨付")
    if application.status != ApplicationStatus.APPROVED:
        raise ApplicationError("只有审核通过的申报可以登记拨付")
    if not application.approved_fen:
        raise ApplicationError("该申报没有核定金额,无需拨付")
    if not voucher.strip():
        raise ApplicationError("请填写拨付凭证号", field="voucher")
    if paid_on > timezone.localdate():
        raise ApplicationError("拨付日期不能晚于今天", field="paid_on")
    disbursement = Disbursement.objects.create(
        policy=application.policy,
        enterprise_id=application.enterprise_id,
        department_id=application.policy.reviewing_department_id,
        application=application,
        amount_fen=application.approved_fen,
        paid_on=paid_on,
        voucher=voucher.strip(),
        recorded_by=by,
    )
    record_event(
        kind="disbursed",
        summary=f"登记拨付(凭证 {voucher.strip()})",
        actor=by,
        application=application,
        from_status=application.status,
        to_status=ApplicationStatus.DISBURSED,
    )
    audit_record(action=Action.STATE_CHANGE, user=by, obj=application, detail={"to": "disbursed"})
    application.status = ApplicationStatus.DISBURSED
    application.save(update_fields=["status"])
    return disbursement


@transaction.atomic
def application_announce(*, application: Application, by: Any) -> Application:
    application = _locked(application)
    if not can_review(by, application.policy):
        raise PermissionDeniedError("只有该政策的审核部门可以公示")
    if application.status != ApplicationStatus.DISBURSED:
        raise ApplicationError("只有已拨付的申报可以公示")
    record_event(
        kind="announced",
        summary="公示",
        actor=by,
        application=application,
        from_status=application.status,
        to_status=ApplicationStatus.ANNOUNCED,
    )
    audit_record(action=Action.STATE_CHANGE, user=by, obj=application, detail={"to": "announced"})
    application.status = ApplicationStatus.ANNOUNCED
    application.announced_at = timezone.now()
    application.save(update_fields=["status", "announced_at"])
    return application
