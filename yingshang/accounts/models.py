from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import ClassVar, Self

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone

from .roles import ADMIN_ROLES, ROLE_CAPABILITIES, STAFF_ROLES, Role


class DepartmentKind(models.TextChoices):
    DISTRICT = "district", "区/管委会"
    BUREAU = "bureau", "局"
    CENTER = "center", "中心"
    PARK = "park", "园区"
    TOWNSHIP = "township", "乡镇/街道"
    SECTION = "section", "股室"
    OTHER = "other", "其他"


class Department(models.Model):
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    code = models.CharField("编码", max_length=32, unique=True)
    kind = models.CharField("类型", max_length=16, choices=DepartmentKind.choices, default=DepartmentKind.BUREAU)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="上级"
    )
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = "部门"
        verbose_name_plural = "部门"
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="department_unique_name_in_parent")]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[Department]:
        chain: list[Department] = []
        node = self.parent
        seen: set[int] = set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def path(self) -> str:
        return " / ".join([*(d.name for d in self.ancestors()), self.name])


class User(AbstractUser):
    role = models.CharField("角色", max_length=32, choices=Role.choices, default=Role.ENTERPRISE)
    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name="部门"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name="所属企业",
    )
    is_enterprise_admin = models.BooleanField("企业管理员", default=False)
    can_unmask_personal_data = models.BooleanField("可查看完整手机号/证件号", default=False)

    objects: ClassVar[UserManager[Self]] = UserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role=Role.ENTERPRISE) | models.Q(enterprise__isnull=False),
                name="enterprise_user_has_enterprise",
            ),
            models.CheckConstraint(
                condition=models.Q(role=Role.ENTERPRISE) | models.Q(enterprise__isnull=True),
                name="only_enterprise_users_bound_to_enterprise",
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.DEPARTMENT_STAFF) | models.Q(department__isnull=False),
                name="department_staff_has_department",
            ),
            models.CheckConstraint(condition=models.Q(is_superuser=False), name="no_superusers"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def has_cap(self, cap: str) -> bool:
        return self.is_active and cap in ROLE_CAPABILITIES.get(self.role, frozenset())

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin_role(self) -> bool:
        return self.role in ADMIN_ROLES

    @property
    def is_enterprise_user(self) -> bool:
        return self.role == Role.ENTERPRISE


class InvitationState(models.TextChoices):
    PENDING = "pending", "待接受"
    ACCEPTED = "accepted", "已接受"
    REVOKED = "revoked", "已撤销"
    EXPIRED = "expired", "已过期"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry() -> datetime:
    return timezone.now() + timedelta(days=7)


class Invitation(models.Model):
    """An enterprise administrator invites a colleague; the link lets them choose a username and password."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    full_name = models.CharField("姓名", max_length=50)
    phone = models.CharField("手机号", max_length=20)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "企业账号邀请"
        verbose_name_plural = "企业账号邀请"

    def __str__(self) -> str:
        return f"{self.full_name} → {self.enterprise_id}"

    @property
    def state(self) -> InvitationState:
        # Acceptance and revocation are final, so they outrank the expiry date.
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationState.EXPIRED
        return InvitationState.PENDING

    @property
    def is_usable(self) -> bool:
        return self.state == InvitationState.PENDING
