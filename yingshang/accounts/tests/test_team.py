"""企业账号: an enterprise administrator sees and invites colleagues of their own enterprise only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from yingshang.accounts.models import Invitation, User
from yingshang.accounts.roles import Role
from yingshang.core.audit import Action

from .helpers import audit_rows, logged_in_user_id, post_login, queries_to_render

pytestmark = pytest.mark.django_db

TEAM_URL = reverse("accounts:team")
INVITE_URL = reverse("accounts:team_invite")
NEW_PASSWORD = "Chunfeng-2026!"


def _invite(client: Client, full_name: str = "陈出纳", phone: str = "13700001234"):
    return client.post(INVITE_URL, {"full_name": full_name, "phone": phone})


def _accept(client: Client, invitation: Invitation, username: str = "chen_cashier", password: str = NEW_PASSWORD):
    url = reverse("accounts:invite_accept", args=[invitation.token])
    return client.post(url, {"username": username, "password1": password, "password2": password})


def test_enterprise_admin_sees_colleagues_with_masked_phones(client_as, battery_admin, battery_clerk) -> None:
    page = client_as(battery_admin).get(TEAM_URL).content.decode()

    assert "刘会计" in page
    assert "139****0001" in page
    assert "13912340001" not in page


def test_enterprise_admin_does_not_see_another_enterprises_accounts(
    client_as, battery_admin, make_user, enterprise_other
) -> None:
    make_user(Role.ENTERPRISE, enterprise=enterprise_other, full_name="东宝员工")

    page = client_as(battery_admin).get(TEAM_URL).content.decode()

    assert "东宝员工" not in page


def test_enterprise_admin_cannot_act_on_another_enterprises_account_or_invitation(
    client_as, battery_admin, make_user, enterprise_other
) -> None:
    other_admin = make_user(Role.ENTERPRISE, enterprise=enterprise_other, is_enterprise_admin=True)
    other_clerk = make_user(Role.ENTERPRISE, enterprise=enterprise_other)
    invitation = Invitation.objects.create(
        enterprise=enterprise_other, invited_by=other_admin, full_name="外企员工", phone="13600000000"
    )
    client = client_as(battery_admin)

    disable = client.post(reverse("accounts:team_member_active", args=[other_clerk.pk]), {"is_active": "0"})
    revoke = client.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))

    assert disable.status_code == 404
    assert revoke.status_code == 404
    other_clerk.refresh_from_db()
    invitation.refresh_from_db()
    assert other_clerk.is_active
    assert invitation.revoked_at is None


def test_an_ordinary_enterprise_user_cannot_see_the_team_or_invite(client_as, battery_clerk) -> None:
    client = client_as(battery_clerk)

    assert client.get(TEAM_URL).status_code == 403
    assert _invite(client).status_code == 403
    assert not Invitation.objects.exists()


def test_staff_cannot_open_the_enterprise_team_page(client_as) -> None:
    assert client_as(Role.COORDINATOR).get(TEAM_URL).status_code == 403


def test_invitation_flow_end_to_end(client_as, battery_admin, enterprise_battery_maker) -> None:
    admin_client = client_as(battery_admin)

    response = _invite(admin_client)
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    link = reverse("accounts:invite_accept", args=[invitation.token])
    assert link in admin_client.get(TEAM_URL).content.decode()

    invitee = Client()
    page = invitee.get(link).content.decode()
    assert "陈出纳" in page
    assert enterprise_battery_maker.name in page
    assert _accept(invitee, invitation)["Location"] == reverse("accounts:login")

    colleague = User.objects.get(username="chen_cashier")
    assert colleague.role == Role.ENTERPRISE
    assert colleague.enterprise == enterprise_battery_maker
    assert colleague.full_name == "陈出纳"
    assert colleague.phone == "13700001234"
    assert not colleague.is_enterprise_admin
    invitation.refresh_from_db()
    assert invitation.accepted_user == colleague
    assert audit_rows(Action.INVITATION_CREATED, user=battery_admin)
    assert audit_rows(Action.INVITATION_ACCEPTED, user=colleague)

    post_login(invitee, "chen_cashier", NEW_PASSWORD)
    assert logged_in_user_id(invitee) == str(colleague.pk)


def test_a_used_invitation_link_is_refused_with_a_clear_message(battery_admin) -> None:
    invitation = Invitation.objects.create(
        enterprise=battery_admin.enterprise, invited_by=battery_admin, full_name="陈出纳", phone="13700001234"
    )
    _accept(Client(), invitation)

    response = Client().get(reverse("accounts:invite_accept", args=[invitation.token]))

    assert response.status_code == 410
    assert "该邀请链接已被使用" in response.content.decode()


def test_accepting_a_used_link_twice_creates_no_second_account(battery_admin) -> None:
    invitation = Invitation.objects.create(
        enterprise=battery_admin.enterprise, invited_by=battery_admin, full_name="陈出纳", phone="13700001234"
    )
    _accept(Client(), invitation, username="first")

    _accept(Client(), invitation, username="second")

    assert not User.objects.filter(username="second").exists()


def test_an_expired_invitation_link_is_refused_with_a_clear_message(battery_admin) -> None:
    invitation = Invitation.objects.create(
        enterprise=battery_admin.enterprise,
        invited_by=battery_admin,
        full_name="陈出纳",
        phone="13700001234",
        expires_at=timezone.now() - timedelta(minutes=1),
    )

    response = _accept(Client(), invitation)

    assert response.status_code == 410
    assert "该邀请链接已过期" in response.content.decode()
    assert not User.objects.filter(username="chen_cashier").exists()


def test_a_revoked_invitation_link_is_refused_with_a_clear_message(client_as, battery_admin) -> None:
    client = client_as(battery_admin)
    _invite(client)
    invitation = Invitation.objects.get()

    client.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    response = Client().get(reverse("accounts:invite_accept", args=[invitation.token]))

    assert response.status_code == 410
    assert "该邀请已被企业管理员撤销" in response.content.decode()


def test_an_unknown_invitation_token_is_not_found(db) -> None:
    response = Client().get(reverse("accounts:invite_accept", args=["no-such-token"]))

    assert response.status_code == 404
    assert "邀请链接无效" in response.content.decode()


def test_the_invitee_password_must_follow_the_rules(battery_admin) -> None:
    invitation = Invitation.objects.create(
        enterprise=battery_admin.enterprise, invited_by=battery_admin, full_name="陈出纳", phone="13700001234"
    )

    response = _accept(Client(), invitation, password="abc1234")

    assert "密码太短,至少需要 8 个字符" in response.content.decode()
    assert not User.objects.filter(username="chen_cashier").exists()


def test_the_invitee_cannot_take_an_existing_username(battery_admin, battery_clerk) -> None:
    invitation = Invitation.objects.create(
        enterprise=battery_admin.enterprise, invited_by=battery_admin, full_name="陈出纳", phone="13700001234"
    )

    response = _accept(Client(), invitation, username="Battery_Clerk")

    assert "该用户名已被使用" in response.content.decode()


def test_inviting_the_same_phone_twice_is_refused_while_the_first_link_is_open(client_as, battery_admin) -> None:
    client = client_as(battery_admin)
    _invite(client)

    response = _invite(client)

    assert "已向该手机号发出邀请且尚未使用" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_an_invitation_needs_a_valid_mobile_number(client_as, battery_admin) -> None:
    response = _invite(client_as(battery_admin), phone="12345")

    assert "请输入 11 位手机号码" in response.content.decode()
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_enterprise_admin_can_disable_a_colleague_who_then_cannot_log_in(
    client_as, battery_admin, battery_clerk
) -> None:
    client_as(battery_admin).post(reverse("accounts:team_member_active", args=[battery_clerk.pk]), {"is_active": "0"})

    battery_clerk.refresh_from_db()
    assert not battery_clerk.is_active
    assert audit_rows(Action.ACCOUNT_UPDATED, user=battery_admin)
    (row,) = audit_rows(Action.ACCOUNT_UPDATED, user=battery_admin)
    assert row.detail == {"changes": {"is_active": {"from": True, "to": False}}}
    other = Client()
    post_login(other, "battery_clerk")
    assert logged_in_user_id(other) is None


def test_enterprise_admin_cannot_disable_their_own_account(client_as, battery_admin) -> None:
    response = client_as(battery_admin).post(
        reverse("accounts:team_member_active", args=[battery_admin.pk]), {"is_active": "0"}, follow=True
    )

    battery_admin.refresh_from_db()
    assert battery_admin.is_active
    assert "不能停用自己的账号" in response.content.decode()


def test_enterprise_admin_can_enable_a_disabled_colleague_again(client_as, battery_admin, battery_clerk) -> None:
    battery_clerk.is_active = False
    battery_clerk.save()

    response = client_as(battery_admin).post(
        reverse("accounts:team_member_active", args=[battery_clerk.pk]), {"is_active": "1"}, follow=True
    )

    battery_clerk.refresh_from_db()
    assert battery_clerk.is_active
    assert "已启用账号 刘会计" in response.content.decode()


@pytest.mark.parametrize("posted", [{}, {"is_active": "yes"}])
def test_the_active_switch_without_a_clear_value_changes_nothing(
    client_as, battery_admin, battery_clerk, posted
) -> None:
    response = client_as(battery_admin).post(
        reverse("accounts:team_member_active", args=[battery_clerk.pk]), posted, follow=True
    )

    battery_clerk.refresh_from_db()
    assert battery_clerk.is_active
    assert "请求不完整" in response.content.decode()
    assert not audit_rows(Action.ACCOUNT_UPDATED)


def test_the_invitation_list_shows_each_state_and_links_only_the_open_one(
    client_as, battery_admin, battery_clerk
) -> None:
    enterprise = battery_admin.enterprise

    def invite(full_name: str, **fields) -> Invitation:
        return Invitation.objects.create(
            enterprise=enterprise, invited_by=battery_admin, full_name=full_name, phone="13700001234", **fields
        )

    pending = invite("待办人")
    accepted = invite("已入职", accepted_at=timezone.now(), accepted_user=battery_clerk)
    revoked = invite("已撤回", revoked_at=timezone.now())
    expired = invite("已过时", expires_at=timezone.now() - timedelta(minutes=1))

    page = client_as(battery_admin).get(TEAM_URL).content.decode()

    assert "<td>待接受</td>" in page
    assert "<td>已接受(battery_clerk)</td>" in page
    assert "<td>已撤销</td>" in page
    assert "<td>已过期</td>" in page
    assert reverse("accounts:invite_accept", args=[pending.token]) in page
    for closed in (accepted, revoked, expired):
        assert reverse("accounts:invite_accept", args=[closed.token]) not in page
        assert reverse("accounts:invitation_revoke", args=[closed.pk]) not in page
    assert reverse("accounts:invitation_revoke", args=[pending.pk]) in page
    assert "137****1234" in page
    assert "13700001234" not in page


def test_revoking_an_accepted_invitation_is_refused_with_a_message(client_as, battery_admin, battery_clerk) -> None:
    invitation = Invitation.objects.create(
        enterprise=battery_admin.enterprise,
        invited_by=battery_admin,
        full_name="刘会计",
        phone="13912340001",
        accepted_at=timezone.now(),
        accepted_user=battery_clerk,
    )

    response = client_as(battery_admin).post(reverse("accounts:invitation_revoke", args=[invitation.pk]), follow=True)

    assert "该邀请已被接受,无法撤销" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_the_team_page_costs_the_same_queries_for_many_colleagues_and_invitations(
    client_as, battery_admin, make_user
) -> None:
    client = client_as(battery_admin)
    few = queries_to_render(client, TEAM_URL)

    for n in range(5):
        colleague = make_user(Role.ENTERPRISE)
        Invitation.objects.create(
            enterprise=battery_admin.enterprise,
            invited_by=battery_admin,
            full_name=f"同事{n}",
            phone=f"1370000{n:04d}",
            accepted_at=timezone.now(),
            accepted_user=colleague,
        )

    assert queries_to_render(client, TEAM_URL) == few
