"""Reads for accounts: who may be listed by whom, lockout state, the department tree, invitations."""

from __future__ import annotations

import re
from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from yingshang.enterprises.models import Enterprise
from yingshang.enterprises.selectors import enterprise_find_by_uscc

from .models import Department, Invitation, InvitationState, User
from .roles import ADMIN_ROLES, Role

# --- two-factor ---------------------------------------------------------------------------------------------------


def user_has_confirmed_totp(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def user_confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def user_needs_second_factor(user: User) -> bool:
    """Staff must pass TOTP when the platform enforces it; anyone who enrolled a device uses it."""
    if user.is_staff_role and settings.STAFF_2FA_REQUIRED:
        return True
    return user_has_confirmed_totp(user)


def enrollment_device_get(*, user: User, device_id: int | None) -> TOTPDevice | None:
    if device_id is None:
        return None
    return TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()


# --- lockout ------------------------------------------------------------------------------------------------------


def failed_login_counts(usernames: list[str]) -> dict[str, int]:
    """Failures inside the current cool-off window, by username (what django-axes counts towards a lockout)."""
    threshold = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(username__in=usernames, attempt_time__gte=threshold)
        .values("username")
        .annotate(total=Sum("failures_since_start"))
    )
    return {row["username"]: int(row["total"] or 0) for row in rows}


def failures_lock_out(failures: int) -> bool:
    """Whether that many failures inside the cool-off window keep the account locked (django-axes' rule)."""
    return failures >= settings.AXES_FAILURE_LIMIT


# --- account lists, as the system and security administrators search them ------------------------------------------


def _search(qs: QuerySet[User], q: str) -> QuerySet[User]:
    """Names and units match on any part; a phone number only in full.

    Pages show phones masked (138****1234); matching on part of a number would let anyone who may search reveal
    the hidden digits one guess at a time ("1380", "1381", …) by watching which accounts come back.
    """
    q = q.strip()
    if not q:
        return qs
    return qs.filter(
        Q(username__icontains=q)
        | Q(full_name__icontains=q)
        | Q(phone=re.sub(r"[\s-]", "", q))
        | Q(department__name__icontains=q)
        | Q(enterprise__name__icontains=q)
    )


def _user_list(qs: QuerySet[User], *, q: str, role: str) -> QuerySet[User]:
    if role:
        qs = qs.filter(role=role)
    return _search(qs.select_related("department", "enterprise"), q).order_by("role", "username")


def _user_get(qs: QuerySet[User], *, pk: int) -> User:
    user = qs.select_related("department", "enterprise").filter(pk=pk).first()
    if user is None:
        raise Http404("账号不存在")
    return user


# --- system administrator: business accounts only -------------------------------------------------------------------


def _business_accounts() -> QuerySet[User]:
    """Accounts the system administrator manages: every business role, never the three administrator roles.

    The administrator accounts belong to the security administrator; letting the system administrator edit or reset
    them would let one administrator take over another's account and break 三权分立.
    """
    return User.objects.exclude(role__in=ADMIN_ROLES)


def managed_user_list(*, q: str = "", role: str = "") -> QuerySet[User]:
    return _user_list(_business_accounts(), q=q, role=role)


def managed_user_get(*, pk: int) -> User:
    return _user_get(_business_accounts(), pk=pk)


# --- security administrator: every account -------------------------------------------------------------------------


def security_user_list(*, q: str = "", role: str = "") -> QuerySet[User]:
    return _user_list(User.objects.all(), q=q, role=role)


def security_user_get(*, pk: int) -> User:
    return _user_get(User.objects.all(), pk=pk)


# --- enterprise team ----------------------------------------------------------------------------------------------


def enterprise_team(*, enterprise: Enterprise) -> QuerySet[User]:
    return User.objects.filter(enterprise=enterprise, role=Role.ENTERPRISE).order_by("-is_enterprise_admin", "id")


def enterprise_invitations(*, enterprise: Enterprise) -> QuerySet[Invitation]:
    return Invitation.objects.filter(enterprise=enterprise).select_related("invited_by", "accepted_user")


def team_member_get(*, admin: User, pk: int) -> User:
    """A colleague of `admin`; another enterprise's account is simply not found."""
    member = None
    if admin.enterprise_id is not None:
        member = User.objects.filter(pk=pk, role=Role.ENTERPRISE, enterprise_id=admin.enterprise_id).first()
    if member is None:
        raise Http404("账号不存在")
    return member


def team_invitation_get(*, admin: User, pk: int) -> Invitation:
    invitation = None
    if admin.enterprise_id is not None:
        invitation = Invitation.objects.filter(pk=pk, enterprise_id=admin.enterprise_id).first()
    if invitation is None:
        raise Http404("邀请不存在")
    return invitation


def invitation_by_token(token: str) -> Invitation | None:
    return Invitation.objects.select_related("enterprise", "invited_by").filter(token=token).first()


_INVITATION_PROBLEMS = {
    InvitationState.ACCEPTED: "该邀请链接已被使用。如需账号,请联系企业管理员重新邀请。",
    InvitationState.REVOKED: "该邀请已被企业管理员撤销。",
    InvitationState.EXPIRED: "该邀请链接已过期,请联系企业管理员重新邀请。",
}


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why an invitation link cannot be used, in words for the invitee; None when it can."""
    if invitation is None:
        return "邀请链接无效,请向企业管理员核对链接。"
    return _INVITATION_PROBLEMS.get(invitation.state)


# --- departments --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentRow:
    department: Department
    depth: int
    staff_count: int


def department_tree() -> list[DepartmentRow]:
    """Every department in tree order (区 → 局/中心/园区 → 股室), each with its depth for indentation."""
    departments = list(Department.objects.annotate(staff_count=Count("staff")).order_by("sort_order", "id"))
    children: dict[int | None, list[Department]] = {}
    for dept in departments:
        children.setdefault(dept.parent_id, []).append(dept)
    rows: list[DepartmentRow] = []
    seen: set[int] = set()

    def walk(parent_id: int | None, depth: int) -> None:
        for dept in children.get(parent_id, []):
            if dept.pk in seen:
                continue
            seen.add(dept.pk)
            rows.append(DepartmentRow(dept, depth, dept.staff_count))  # type: ignore[attr-defined]
            walk(dept.pk, depth + 1)

    walk(None, 0)
    # A corrupted parent chain (a cycle written around the services) must not hide departments from the list.
    rows.extend(DepartmentRow(d, 0, d.staff_count) for d in departments if d.pk not in seen)
    return rows


def department_get(*, pk: int) -> Department:
    department = Department.objects.select_related("parent").filter(pk=pk).first()
    if department is None:
        raise Http404("部门不存在")
    return department


def department_choices() -> QuerySet[Department]:
    # Inactive departments stay selectable: an account still attached to one must keep its value when edited.
    return Department.objects.order_by("sort_order", "id")


# --- enterprises, as accounts need them ---------------------------------------------------------------------------


def enterprise_by_uscc(uscc: str) -> Enterprise | None:
    return enterprise_find_by_uscc(uscc.strip().upper())


def department_paths() -> dict[int, str]:
    """ "区 / 局 / 股室" for every department, from one query (Department.path walks the chain row by row)."""
    rows = {pk: (name, parent_id) for pk, name, parent_id in Department.objects.values_list("pk", "name", "parent_id")}
    paths: dict[int, str] = {}
    for pk in rows:
        names: list[str] = []
        node: int | None = pk
        seen: set[int] = set()
        while node is not None and node in rows and node not in seen:
            seen.add(node)
            name, parent_id = rows[node]
            names.append(name)
            node = parent_id
        paths[pk] = " / ".join(reversed(names))
    return paths
