"""Writes on a case's materials: supplying a 容缺 material (online upload or at the window) and the department's
later verification (核查) of a 告知承诺, with a false one recorded against the applicant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.core.notifications import notify

from .models import CaseMaterial, CaseState, CommitmentBreach, MaterialStatus, SupplyChannel, VerificationResult
from .selectors import is_back_office
from .services import _case_link, _department_staff, _now, _office_users, _require_window, event_add

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ALLOWED_UPLOAD_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".ofd", ".doc", ".docx", ".zip")


# ---------------------------------------------------------------------------------------------------------------


def _check_upload(file: UploadedFile | None) -> None:
    if file is None:
        raise ApplicationError("请上传材料文件", field="file")
    name = (file.name or "").lower()
    if not name.endswith(ALLOWED_UPLOAD_SUFFIXES):
        raise ApplicationError("仅支持 PDF、图片、OFD、Word 或 ZIP 文件", field="file")
    if (file.size or 0) > MAX_UPLOAD_BYTES:
        raise ApplicationError("文件不能超过 10 MB", field="file")


@transaction.atomic
def material_supply(
    *, material: CaseMaterial, by: Any, file: UploadedFile | None = None, now: datetime | None = None
) -> CaseMaterial:
    """The applicant uploads a missing material online, or the window records it handed in at the desk."""
    material = CaseMaterial.objects.select_for_update().select_related("case").get(pk=material.pk)
    case = material.case
    if getattr(by, "is_enterprise_user", False):
        if case.enterprise_id is None or by.enterprise_id != case.enterprise_id:
            raise PermissionDeniedError("只能补交本企业办件的材料")
        via = SupplyChannel.ONLINE
        _check_upload(file)
    else:
        _require_window(by)
        via = SupplyChannel.WINDOW
    if material.status != MaterialStatus.MISSING:
        raise ApplicationError(f"“{material.name}”不是待补材料")
    if case.state in (CaseState.REJECTED, CaseState.COLLECTED, CaseState.SUBMITTED):
        raise ApplicationError(f"办件当前状态为“{case.get_state_display()}”,不能补交材料")
    moment = _now(now)
    material.status = MaterialStatus.SUPPLIED
    material.supplied_at = moment
    material.supplied_via = via
    if file is not None:
        material.file.save(file.name or "material", file, save=False)
    material.save()
    late = material.due_date is not None and timezone.localdate(moment) > material.due_date
    event_add(
        case,
        actor=by,
        kind="supplied",
        summary=f"补齐容缺材料“{material.name}”({SupplyChannel(via).label}{',已超过补齐期限' if late else ''})",
        at=moment,
    )
    remaining = case.materials.filter(status=MaterialStatus.MISSING).count()
    if remaining == 0:
        event_add(case, actor=by, kind="rongque_done", summary="容缺材料已全部补齐", at=moment)
    audit_record(
        action=Action.RECORD_UPDATED,
        user=by,
        obj=case,
        detail={"event": "material_supplied", "material": material.name},
    )
    notify(
        recipients={u for t in case.tasks.all() for u in _department_staff(t.department_id)},
        title=f"容缺材料已补齐:{case.title}",
        body=f"办件 {case.number} 补齐了“{material.name}”",
        link=_case_link(case),
        category="govservices",
    )
    return material


@transaction.atomic
def commitment_verify(
    *, material: CaseMaterial, by: Any, truthful: bool, note: str, now: datetime | None = None
) -> CaseMaterial:
    """核查 of a 告知承诺 by a department handling the case; a false commitment is recorded against the applicant."""
    material = CaseMaterial.objects.select_for_update().select_related("case").get(pk=material.pk)
    case = material.case
    if not is_back_office(by) or not case.tasks.filter(department_id=by.department_id).exists():
        raise PermissionDeniedError("只有承办部门可以核查告知承诺")
    if material.status != MaterialStatus.COMMITTED:
        raise ApplicationError(f"“{material.name}”未采用告知承诺")
    if material.verification_result:
        raise ApplicationError("该承诺已核查,结果不能更改")
    if not note.strip():
        raise ApplicationError("请填写核查情况", field="note")
    moment = _now(now)
    material.verification_result = VerificationResult.TRUE if truthful else VerificationResult.FALSE
    material.verification_note = note.strip()
    material.verified_at = moment
    material.verified_by = by
    material.save()
    label = "核查属实" if truthful else "承诺不实"
    event_add(case, actor=by, kind="verified", summary=f"告知承诺核查:“{material.name}”{label}", at=moment)
    audit_record(
        action=Action.APPROVAL,
        user=by,
        obj=case,
        detail={"event": "commitment_verified", "material": material.name, "truthful": truthful},
    )
    if not truthful:
        CommitmentBreach.objects.create(
            case=case,
            material=material,
            enterprise=case.enterprise,
            applicant_name=case.enterprise.name if case.enterprise else case.applicant_name,
            description=note.strip(),
            recorded_by=by,
            recorded_at=moment,
        )
        notify(
            recipients=_office_users(),
            title=f"告知承诺不实:{case.enterprise.name if case.enterprise else case.applicant_name}",
            body=f"办件 {case.number}“{material.name}”核查不实:{note.strip()}",
            link=_case_link(case),
            category="govservices",
        )
    return material
