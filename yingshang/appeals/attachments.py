"""Attachments of appeals and replies: checked by extension, size and the file's first bytes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from yingshang.accounts.models import User
from yingshang.core.errors import ApplicationError

from .models import Appeal, AppealAttachment

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Extension → magic bytes the file must start with (None: text formats, not checked).
ALLOWED_ATTACHMENTS: dict[str, tuple[bytes, ...] | None] = {
    "pdf": (b"%PDF",),
    "png": (b"\x89PNG",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0",),
    "xls": (b"\xd0\xcf\x11\xe0",),
    "txt": None,
}


def validate_attachments(files: Sequence[UploadedFile]) -> None:
    if len(files) > MAX_ATTACHMENTS:
        raise ApplicationError(f"附件最多 {MAX_ATTACHMENTS} 个", field="attachments")
    for upload in files:
        name = upload.name or ""
        suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if suffix not in ALLOWED_ATTACHMENTS:
            allowed = "、".join(sorted(ALLOWED_ATTACHMENTS))
            raise ApplicationError(f"附件「{name}」的格式不支持,只接受 {allowed}", field="attachments")
        if (upload.size or 0) > MAX_ATTACHMENT_BYTES:
            raise ApplicationError(f"附件「{name}」超过 10 MB", field="attachments")
        if not upload.size:
            raise ApplicationError(f"附件「{name}」是空文件", field="attachments")
        magic = ALLOWED_ATTACHMENTS[suffix]
        if magic is not None:
            upload.seek(0)
            head = upload.read(8)
            upload.seek(0)
            if not any(head.startswith(m) for m in magic):
                raise ApplicationError(f"附件「{name}」的内容与扩展名不符", field="attachments")


def store_attachments(
    *, appeal: Appeal, files: Sequence[UploadedFile], by: User | None, reply: Any = None
) -> list[AppealAttachment]:
    stored = []
    for upload in files:
        attachment = AppealAttachment(
            appeal=appeal, reply=reply, original_name=(upload.name or "附件")[:200], size=upload.size or 0
        )
        attachment.uploaded_by = by if by is not None and by.pk else None
        attachment.file.save(upload.name or "附件", upload, save=False)
        attachment.save()
        stored.append(attachment)
    return stored
