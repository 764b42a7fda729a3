"""/api/v1/accounts/: who am I. Personal data comes masked, as on every page."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from yingshang.core.masking import mask_phone

from .permissions import signed_in_user

router = Router(tags=["账号"])


class MeDepartmentOut(Schema):
    id: int
    name: str
    path: str


class MeEnterpriseOut(Schema):
    id: int
    name: str


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    role_label: str
    department: MeDepartmentOut | None
    enterprise: MeEnterpriseOut | None
    is_enterprise_admin: bool
    phone: str


@router.get("me", response=MeOut, summary="当前登录账号", description="手机号按脱敏规则返回。")
def me(request: HttpRequest) -> MeOut:
    user = signed_in_user(request)
    department = user.department
    enterprise = user.enterprise
    return MeOut(
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        role_label=user.get_role_display(),
        department=MeDepartmentOut(id=department.pk, name=department.name, path=department.path)
        if department
        else None,
        enterprise=MeEnterpriseOut(id=enterprise.pk, name=enterprise.name) if enterprise else None,
        is_enterprise_admin=user.is_enterprise_admin,
        phone=mask_phone(user.phone),
    )
