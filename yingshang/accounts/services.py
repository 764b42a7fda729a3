"""Writes for accounts. Each service checks the rule it enforces (not only the view), writes its audit row in the same
transaction, and raises ApplicationError with a message the user can act on.

Failed verification attempts return a result instead of raising: raising would roll back the OTP_FAILED audit row.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from axes.utils import reset as axes_reset
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_totp.models import TOTPDevice

from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.core.masking import mask_phone
from yingshang.core.models import AuditResult
from yingshang.enterprises.models import Enterprise

from .models import Department, Invitation, User
from .roles import ADMIN_ROLES, BUSINESS_ROLES, Cap, Role
from .selectors import invitation_problem


def _require_cap(by: User, cap: str, message: str) -> None:
    if not by.has_cap(cap):
        raise PermissionDeniedError(message)


def _check_role_bindings(*, role: str, enterprise: Enterprise | None, department: Department | None) -> None:
    """The user table's CheckConstraints, said in words before the database says them in SQL."""
    if role == Role.ENTERPRISE and enterprise is None:
        raise ApplicationError("企业用户必须绑定所属企业。", field="enterprise")
    if role != Role.ENTERPRISE and enterprise is not None:
        raise ApplicationError("只有企业用户可以绑定企业;工作人员和管理员不能绑定企业。", field="enterprise")
    if role == Role.DEPARTMENT_STAFF and department is None:
        raise ApplicationError("部门工作人员必须指定所在部门。", field="department")


def _check_username_free(username: str) -> None:
    # Usernames differing only in case would confuse people reading the audit log.
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError("该用户名已被使用,请换一个。", field="username")


def _ref(obj: Any) -> Any:
    """How a related object appears in audit details: id and name, never a whole record."""
    if obj is None:
        return None
    return {"id": obj.pk, "name": str(obj)}


_PHONE_FIELDS = frozenset({"phone", "contact_phone"})


def _audit_value(field: str, value: Any) -> Any:
    """A field's value as the audit log keeps it: phone numbers masked, related records by id and name."""
    if field in _PHONE_FIELDS:
        return mask_phone(value)
    if isinstance(value, models.Model):
        return _ref(value)
    return value


def _set_fields(obj: models.Model, values: dict[str, Any]) -> dict[str, Any]:
    """Set the fields on `obj`; the audit's from/to of those that changed.

    Compared before masking: a new number that masks like the old one (138****1234) is still a change.
    """
    changes: dict[str, Any] = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changes[field] = {"from": _audit_value(field, old), "to": _audit_value(field, new)}
            setattr(obj, field, new)
    return changes


# --- passwords ----------------------------------------------------------------------------------------------------


@transaction.atomic
def user_password_change(*, user: User, new_password: str) -> User:
    """The user changes their own password (the form has checked the old one and the password rules)."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(action=Action.PASSWORD_CHANGED, user=user, obj=user)
    return user


@transaction.atomic
def user_password_reset(*, user: User, new_password: str, by: User) -> User:
    _require_cap(by, Cap.MANAGE_ACCOUNTS, "只有系统管理员可以重置密码。")
    if user.role in ADMIN_ROLES:
        raise PermissionDeniedError("系统管理员不能重置管理员账号的密码。")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    # Changing the hash also ends the user's open sessions (Django checks the session's password hash).
    audit_record(action=Action.ACCOUNT_UPDATED, user=by, obj=user, detail={"password": "reset_by_admin"})
    return user


# --- system administrator: business accounts ----------------------------------------------------------------------


@dataclass(frozen=True)
class AccountInput:
    full_name: str
    phone: str
    department: Department | None
    enterprise: Enterprise | None
    is_enterprise_admin: bool = False
    is_active: bool = True


@transaction.atomic
def user_create(*, username: str, password: str, role: str, data: AccountInput, by: User) -> User:
    _require_cap(by, Cap.MANAGE_ACCOUNTS, "只有系统管理员可以创建账号。")
    if role not in BUSINESS_ROLES:
        raise PermissionDeniedError(
            "系统管理员只能创建业务角色账号;系统管理员、安全管理员、安全审计员角色只能由安全管理员分配。",
            field="role",
        )
    _check_username_free(username)
    _check_role_bindings(role=role, enterprise=data.enterprise, department=data.department)
    user = User(
        username=username,
        role=role,
        full_name=data.full_name,
        phone=data.phone,
        department=data.department,
        enterprise=data.enterprise,
        is_enterprise_admin=data.is_enterprise_admin and role == Role.ENTERPRISE,
        is_active=data.is_active,
    )
    user.set_password(password)
    user.save()
    audit_record(
        action=Action.ACCOUNT_CREATED,
        user=by,
        obj=user,
        detail={
            "role": role,
            "department": _ref(user.department),
            "enterprise": _ref(user.enterprise),
            "is_enterprise_admin": user.is_enterprise_admin,
            "is_active": user.is_active,
        },
    )
    return user


@transaction.atomic
def user_update(*, user: User, data: AccountInput, by: User) -> User:
    """Edit an account's details; the role is not editable here (that is the security administrator's)."""
    _require_cap(by, Cap.MANAGE_ACCOUNTS, "只有系统管理员可以修改账号。")
    if user.role in ADMIN_ROLES:
        raise PermissionDeniedError("系统管理员不能修改管理员账号。")
    _check_role_bindings(role=user.role, enterprise=data.enterprise, department=data.department)
    changes = _set_fields(
        user,
        {
            "full_name": data.full_name,
            "phone": data.phone,
            "department": data.department,
            "enterprise": data.enterprise,
            "is_enterprise_admin": data.is_enterprise_admin and user.role == Role.ENTERPRISE,
            "is_active": data.is_active,
        },
    )
    if not changes:
        return user
    user.save()
    audit_record(action=Action.ACCOUNT_UPDATED, user=by, obj=user, detail={"changes": changes})
    return user


# --- the first administrators, from the server (manage.py create_admin) --------------------------------------------

COMMAND_ACTOR = "manage.py create_admin"


@transaction.atomic
def admin_account_create(*, username: str, password: str, role: str, full_name: str = "") -> User:
    """Create one of the three administrator accounts without a signed-in actor.

    Only the `create_admin` command calls this: whoever runs it already has the server, and nobody can be signed in
    before the first security administrator exists. The password must already have passed the password rules.
    """
    if role not in ADMIN_ROLES:
        raise ApplicationError("只能创建系统管理员、安全管理员或安全审计员账号。", field="role")
    _check_username_free(username)
    user = User(username=username, role=role, full_name=full_name)
    user.set_password(password)
    user.save()
    audit_record(
        action=Action.ACCOUNT_CREATED,
        obj=user,
        username=COMMAND_ACTOR,
        detail={"via": "command", "role": role},
    )
    return user


@transaction.atomic
def admin_password_reset_by_command(*, user: User, new_password: str) -> User:
    """Set a new password on an administrator account from the server (lost password, departed administrator)."""
    if user.role not in ADMIN_ROLES:
        raise ApplicationError("该命令只能重置管理员账号的密码;业务账号由系统管理员在页面上重置。", field="username")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(
        action=Action.ACCOUNT_UPDATED,
        obj=user,
        username=COMMAND_ACTOR,
        detail={"via": "command", "password": "reset_by_command"},
    )
    return user


# --- security administrator ---------------------------------------------------------------------------------------


@transaction.atomic
def user_role_change(
    *,
    user: User,
    role: str,
    by: User,
    enterprise: Enterprise | None = None,
    department: Department | None = None,
) -> User:
    """Give `user` a new role. One role per account, so no account can ever hold two administrator roles.

    An enterprise user is bound to an enterprise and nothing else; leaving that role drops the binding (the
    database forbids a staff account bound to an enterprise). `enterprise`/`department` default to the current ones.
    """
    _require_cap(by, Cap.ASSIGN_ROLES, "只有安全管理员可以分配角色。")
    if user.pk == by.pk:
        raise PermissionDeniedError("不能修改自己的角色,请由另一位安全管理员操作。", field="role")
    if role not in Role.values:
        raise ApplicationError("未知的角色。", field="role")
    if role == user.role:
        raise ApplicationError("该账号已是此角色,角色未变化。", field="role")

    if role == Role.ENTERPRISE:
        new_enterprise = enterprise or user.enterprise
        new_department = None
    else:
        new_enterprise = None
        new_department = department or user.department
    _check_role_bindings(role=role, enterprise=new_enterprise, department=new_department)

    detail: dict[str, Any] = {"from": user.role, "to": role}
    if new_enterprise != user.enterprise:
        detail["enterprise"] = {"from": _ref(user.enterprise), "to": _ref(new_enterprise)}
    if new_department != user.department:
        detail["department"] = {"from": _ref(user.department), "to": _ref(new_department)}
    if role != Role.ENTERPRISE and user.is_enterprise_admin:
        detail["is_enterprise_admin"] = {"from": True, "to": False}

    user.role = role
    user.enterprise = new_enterprise
    user.department = new_department
    if role != Role.ENTERPRISE:
        user.is_enterprise_admin = False
    user.save(update_fields=["role", "enterprise", "department", "is_enterprise_admin"])
    audit_record(action=Action.ROLE_CHANGED, user=by, obj=user, detail=detail)
    return user


@transaction.atomic
def user_unmask_permission_set(*, user: User, allowed: bool, by: User) -> User:
    _require_cap(by, Cap.GRANT_UNMASK, "只有安全管理员可以授予查看完整个人信息的权限。")
    if user.pk == by.pk:
        raise PermissionDeniedError("不能修改自己的权限,请由另一位安全管理员操作。")
    if user.can_unmask_personal_data == allowed:
        raise ApplicationError("权限未变化。")
    old = user.can_unmask_personal_data
    user.can_unmask_personal_data = allowed
    user.save(update_fields=["can_unmask_personal_data"])
    audit_record(
        action=Action.PERMISSION_CHANGED,
        user=by,
        obj=user,
        detail={"permission": "can_unmask_personal_data", "from": old, "to": allowed},
    )
    return user


@transaction.atomic
def user_unlock(*, user: User, by: User) -> int:
    """Clear django-axes' failed attempts for the account, ending a lockout before its 15 minutes are up."""
    _require_cap(by, Cap.UNLOCK_ACCOUNTS, "只有安全管理员可以解除锁定。")
    cleared = axes_reset(username=user.username)
    if not cleared:
        raise ApplicationError("该账号没有登录失败记录,无需解锁。")
    audit_record(
        action=Action.ACCOUNT_UNLOCKED,
        user=by,
        obj=user,
        detail={"from": "locked", "to": "unlocked", "attempt_records_cleared": cleared},
    )
    return cleared


@transaction.atomic
def user_totp_reset(*, user: User, by: User) -> int:
    """Remove a user's authenticator (lost phone); a staff user enrols a new one at the next login."""
    _require_cap(by, Cap.UNLOCK_ACCOUNTS, "只有安全管理员可以重置双因素认证。")
    if user.pk == by.pk:
        raise PermissionDeniedError("不能重置自己的双因素认证,请由另一位安全管理员操作。")
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    if not removed:
        raise ApplicationError("该账号尚未绑定动态口令。")
    audit_record(action=Action.ACCOUNT_UPDATED, user=by, obj=user, detail={"otp_devices": {"from": removed, "to": 0}})
    return removed


# --- enterprise team ----------------------------------------------------------------------------------------------


def _require_enterprise_admin(by: User) -> Enterprise:
    if not (by.is_active and by.is_enterprise_user and by.is_enterprise_admin and by.enterprise is not None):
        raise PermissionDeniedError("只有企业管理员可以管理本企业账号。")
    return by.enterprise


@transaction.atomic
def invitation_create(*, full_name: str, phone: str, by: User) -> Invitation:
    enterprise = _require_enterprise_admin(by)
    if User.objects.filter(enterprise=enterprise, phone=phone, is_active=True).exists():
        raise ApplicationError("该手机号已是本企业的账号,无需邀请。", field="phone")
    pending = Invitation.objects.filter(
        enterprise=enterprise, phone=phone, accepted_at__isnull=True, revoked_at__isnull=True
    ).filter(expires_at__gt=timezone.now())
    if pending.exists():
        raise ApplicationError("已向该手机号发出邀请且尚未使用;如需重发,请先撤销原邀请。", field="phone")
    invitation = Invitation.objects.create(enterprise=enterprise, invited_by=by, full_name=full_name, phone=phone)
    audit_record(
        action=Action.INVITATION_CREATED,
        user=by,
        obj=invitation,
        detail={"enterprise": _ref(enterprise), "phone": mask_phone(phone), "expires_at": invitation.expires_at},
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    enterprise = _require_enterprise_admin(by)
    if invitation.enterprise_id != enterprise.pk:
        raise PermissionDeniedError("不能撤销其他企业的邀请。")
    if invitation.accepted_at is not None:
        raise ApplicationError("该邀请已被接受,无法撤销;如需停用,请停用对应账号。")
    if invitation.revoked_at is not None:
        raise ApplicationError("该邀请已撤销。")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        action=Action.RECORD_UPDATED, user=by, obj=invitation, detail={"state": {"from": "pending", "to": "revoked"}}
    )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, username: str, password: str) -> User:
    """The invitee chooses a username and password; the account joins the inviting enterprise, never as admin."""
    invitation = Invitation.objects.select_for_update().select_related("enterprise").filter(token=token).first()
    problem = invitation_problem(invitation)
    if problem is not None or invitation is None:
        raise ApplicationError(problem or "邀请链接无效。")
    _check_username_free(username)
    user = User(
        username=username,
        role=Role.ENTERPRISE,
        enterprise=invitation.enterprise,
        full_name=invitation.full_name,
        phone=invitation.phone,
        is_enterprise_admin=False,
    )
    user.set_password(password)
    user.save()
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    audit_record(
        action=Action.INVITATION_ACCEPTED,
        user=user,
        obj=invitation,
        detail={
            "account": {"id": user.pk, "username": user.username},
            "enterprise": _ref(invitation.enterprise),
            "invited_by": invitation.invited_by_id,
        },
    )
    return user


@transaction.atomic
def enterprise_member_set_active(*, member: User, is_active: bool, by: User) -> User:
    enterprise = _require_enterprise_admin(by)
    if member.enterprise_id != enterprise.pk or member.role != Role.ENTERPRISE:
        raise PermissionDeniedError("只能管理本企业的账号。")
    if member.pk == by.pk:
        raise PermissionDeniedError("不能停用自己的账号。")
    if member.is_active == is_active:
        raise ApplicationError("账号状态未变化。")
    member.is_active = is_active
    member.save(update_fields=["is_active"])
    audit_record(
        action=Action.ACCOUNT_UPDATED,
        user=by,
        obj=member,
        detail={"changes": {"is_active": {"from": not is_active, "to": is_active}}},
    )
    return member


# --- departments --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentInput:
    name: str
    code: str
    kind: str
    parent: Department | None
    short_name: str = ""
    contact_person: str = ""
    contact_phone: str = ""
    sort_order: int = 0
    is_active: bool = True


def _check_department(data: DepartmentInput, department: Department | None) -> None:
    same_code = Department.objects.filter(code__iexact=data.code)
    if department is not None:
        same_code = same_code.exclude(pk=department.pk)
    if same_code.exists():
        raise ApplicationError("该编码已被其他部门使用。", field="code")
    siblings = Department.objects.filter(name=data.name, parent=data.parent)
    if department is not None:
        siblings = siblings.exclude(pk=department.pk)
    if siblings.exists():
        raise ApplicationError("同一上级部门下已有同名部门。", field="name")
    parent = data.parent
    if department is not None and parent is not None and department in (parent, *parent.ancestors()):
        raise ApplicationError("上级部门不能是本部门或本部门的下级部门。", field="parent")


def _department_values(data: DepartmentInput) -> dict[str, Any]:
    return {f.name: getattr(data, f.name) for f in fields(data)}


@transaction.atomic
def department_create(*, data: DepartmentInput, by: User) -> Department:
    _require_cap(by, Cap.MANAGE_DEPARTMENTS, "只有系统管理员可以维护部门。")
    _check_department(data, None)
    values = _department_values(data)
    department = Department.objects.create(**values)
    audit_record(
        action=Action.DEPARTMENT_CHANGED,
        user=by,
        obj=department,
        detail={"op": "created", "values": {field: _audit_value(field, value) for field, value in values.items()}},
    )
    return department


@transaction.atomic
def department_update(*, department: Department, data: DepartmentInput, by: User) -> Department:
    _require_cap(by, Cap.MANAGE_DEPARTMENTS, "只有系统管理员可以维护部门。")
    department = Department.objects.select_for_update().get(pk=department.pk)
    _check_department(data, department)
    changes = _set_fields(department, _department_values(data))
    if not changes:
        return department
    department.save()
    audit_record(
        action=Action.DEPARTMENT_CHANGED, user=by, obj=department, detail={"op": "updated", "changes": changes}
    )
    return department


# --- two-factor (TOTP) --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OtpCheck:
    device: TOTPDevice | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.device is not None


def _throttle_message(device: TOTPDevice) -> str | None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    if info and info.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS and info.get("locked_until"):
        wait = max(1, int((info["locked_until"] - timezone.now()).total_seconds()) + 1)
        return f"动态口令错误次数过多,请 {wait} 秒后再试。"
    return "暂时不能验证动态口令,请稍后再试。"


def _otp_failed(user: User, stage: str, reason: str) -> None:
    audit_record(
        action=Action.OTP_FAILED,
        user=user,
        obj=user,
        result=AuditResult.FAILURE,
        detail={"stage": stage, "reason": reason},
    )


@transaction.atomic
def totp_enrollment_start(*, user: User) -> TOTPDevice:
    """A fresh secret for the user to scan; earlier unconfirmed secrets stop working."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="动态口令", confirmed=False)


@transaction.atomic
def totp_enrollment_confirm(*, device: TOTPDevice, token: str) -> OtpCheck:
    device = TOTPDevice.objects.select_for_update().select_related("user").get(pk=device.pk)
    user = device.user
    throttled = _throttle_message(device)
    if throttled:
        _otp_failed(user, "enroll", "throttled")
        return OtpCheck(None, throttled)
    if not device.verify_token(token):
        _otp_failed(user, "enroll", "wrong_code")
        return OtpCheck(None, "动态口令不正确,请核对手机上显示的 6 位数字(注意手机时间须准确)。")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    audit_record(action=Action.OTP_ENROLLED, user=user, obj=user, detail={"device_id": device.pk})
    return OtpCheck(device)


@transaction.atomic
def totp_verify(*, user: User, token: str) -> OtpCheck:
    devices = list(TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True))
    if not devices:
        return OtpCheck(None, "该账号尚未绑定动态口令。")
    throttled = [msg for msg in (_throttle_message(d) for d in devices) if msg]
    if len(throttled) == len(devices):
        _otp_failed(user, "login", "throttled")
        return OtpCheck(None, throttled[0])
    for device in devices:
        if device.verify_token(token):
            return OtpCheck(device)
    _otp_failed(user, "login", "wrong_code")
    return OtpCheck(None, "动态口令错误,请重新输入。")


@transaction.atomic
def totp_disable(*, user: User, token: str) -> OtpCheck:
    """The user turns off their own authenticator, proving they hold it. Enforced staff cannot."""
    if user.is_staff_role and settings.STAFF_2FA_REQUIRED:
        raise PermissionDeniedError("工作人员必须使用双因素认证,不能停用。如更换手机,请联系安全管理员重置。")
    check = totp_verify(user=user, token=token)
    if not check.ok:
        return check
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    audit_record(action=Action.ACCOUNT_UPDATED, user=user, obj=user, detail={"otp_devices": {"from": removed, "to": 0}})
    return check
