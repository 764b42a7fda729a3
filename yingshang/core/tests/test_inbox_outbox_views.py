"""消息中心 for every user; the outbox for the system administrator, with phone numbers masked."""

from __future__ import annotations

import json

import pytest

from yingshang.accounts.roles import Role
from yingshang.core import notifications
from yingshang.core.audit import ACTION_LABELS, Action
from yingshang.core.models import AuditLog, Notification, OutboxChannel, OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client_as):
    return client_as(Role.DEPARTMENT_STAFF)


@pytest.fixture
def two_unread(staff_client):
    user = staff_client.user
    return [
        notifications.notify(recipients=[user], title="诉求待办理", link="/enterprises/")[0],
        notifications.notify(recipients=[user], title="政策即将到期")[0],
    ]


def test_the_unread_badge_counts_unread_messages(staff_client, two_unread):
    html = staff_client.get("/inbox/").content.decode()
    assert 'data-testid="unread-count">2</span>' in html
    assert "诉求待办理" in html


def test_marking_one_message_read_with_htmx_returns_the_item_and_the_new_count(staff_client, two_unread):
    first, second = two_unread
    response = staff_client.post(f"/inbox/{first.pk}/read/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="notification-{first.pk}"' in html
    assert "已读于" in html
    assert "<html" not in html
    assert json.loads(response["HX-Trigger"]) == {"ys:unread-changed": {"count": 1}}
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_marking_one_message_read_without_htmx_returns_to_the_inbox(staff_client, two_unread):
    response = staff_client.post(f"/inbox/{two_unread[0].pk}/read/")
    assert response.status_code == 302
    assert response["Location"] == "/inbox/"


def test_nobody_can_mark_someone_elses_message(client_as, two_unread):
    other = client_as(Role.COORDINATOR)
    assert other.post(f"/inbox/{two_unread[0].pk}/read/").status_code == 404
    assert other.get(f"/inbox/{two_unread[0].pk}/open/").status_code == 404
    two_unread[0].refresh_from_db()
    assert two_unread[0].read_at is None


def test_opening_a_message_marks_it_read_and_follows_its_link(staff_client, two_unread):
    response = staff_client.get(f"/inbox/{two_unread[0].pk}/open/")
    assert response["Location"] == "/enterprises/"
    assert Notification.objects.get(pk=two_unread[0].pk).read_at is not None


def test_an_external_link_is_not_followed(staff_client):
    message = notifications.notify(recipients=[staff_client.user], title="钓鱼", link="https://evil.example/")[0]
    assert staff_client.get(f"/inbox/{message.pk}/open/")["Location"] == "/inbox/"


def test_mark_all_read_still_works(staff_client, two_unread):
    staff_client.post("/inbox/read/")
    assert notifications.unread_count(staff_client.user) == 0


def test_the_unread_filter(staff_client, two_unread):
    notifications.mark_one_read(user=staff_client.user, notification_id=two_unread[0].pk)
    items = list(staff_client.get("/inbox/", {"unread": "1"}).context["items"])
    assert [n.title for n in items] == ["政策即将到期"]


# ---- outbox ----------------------------------------------------------------------------------------------------


@pytest.fixture
def outbox_messages(db):
    return [
        OutboxMessage.objects.create(
            channel=OutboxChannel.SMS, to="13812341234", body="【营商通】您有新的诉求", status=OutboxStatus.STORED
        ),
        OutboxMessage.objects.create(
            channel=OutboxChannel.SMS,
            to="13900001111",
            body="【营商通】发送失败的短信",
            status=OutboxStatus.FAILED,
            error="Connection refused",
        ),
        OutboxMessage.objects.create(
            channel=OutboxChannel.EMAIL,
            to="wangwu@jingmen.gov.cn",
            subject="提醒",
            body="邮件正文",
            status=OutboxStatus.SENT,
        ),
    ]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SECURITY_ADMIN, Role.COORDINATOR])
def test_only_the_system_administrator_reads_the_outbox(client_as, role):
    assert client_as(role).get("/system/outbox/").status_code == 403


def test_the_outbox_lists_messages_with_masked_recipients(client_as, outbox_messages):
    html = client_as(Role.SYSTEM_ADMIN).get("/system/outbox/").content.decode()
    assert "138****1234" in html
    assert "13812341234" not in html
    assert "w****u@jingmen.gov.cn" in html
    assert "已存入发件箱" in html
    assert "您有新的诉求" in html
    assert "Connection refused" in html


def test_the_outbox_filters_by_status_and_channel(client_as, outbox_messages):
    client = client_as(Role.SYSTEM_ADMIN)
    failed = client.get("/system/outbox/", {"status": OutboxStatus.FAILED}).context["page"].object_list
    email = client.get("/system/outbox/", {"channel": OutboxChannel.EMAIL}).context["page"].object_list
    assert [m.body for m in failed] == ["【营商通】发送失败的短信"]
    assert [m.subject for m in email] == ["提醒"]


def test_each_view_of_the_outbox_is_audited_once(client_as, outbox_messages):
    client = client_as(Role.SYSTEM_ADMIN, username="xitong")

    client.get("/system/outbox/", {"status": OutboxStatus.FAILED, "page": "1"})

    (row,) = AuditLog.objects.filter(action=Action.OUTBOX_VIEWED)
    assert row.username == "xitong"
    assert row.detail == {"filters": {"status": OutboxStatus.FAILED, "channel": ""}, "page": "1"}
    assert ACTION_LABELS[Action.OUTBOX_VIEWED] == "查阅发件箱"

    client.get("/system/outbox/")
    assert AuditLog.objects.filter(action=Action.OUTBOX_VIEWED).count() == 2


def test_a_refused_look_at_the_outbox_writes_no_view_row(client_as, outbox_messages):
    client_as(Role.COORDINATOR).get("/system/outbox/")
    assert not AuditLog.objects.filter(action=Action.OUTBOX_VIEWED).exists()
