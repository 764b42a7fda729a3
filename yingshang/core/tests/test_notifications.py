"""notify(): the inbox at once; SMS/e-mail only after the business transaction commits, through the gateway."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone
from django_tasks.backends.immediate import ImmediateBackend

from yingshang.accounts.roles import Role
from yingshang.core import notifications
from yingshang.core.models import Notification, OutboxChannel, OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_member(make_user):
    return make_user(Role.DEPARTMENT_STAFF, phone="13812341234", email="wangwu@jingmen.gov.cn")


@pytest.fixture(autouse=True)
def _no_proxy_for_localhost(monkeypatch):
    # urllib honours *_proxy variables; the test gateway is on 127.0.0.1 and must be reached directly.
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


class SmsRelay:
    """A stand-in for an intranet SMS relay on 127.0.0.1, recording every request it receives."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[dict[str, Any]] = []
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                relay.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(self.rfile.read(length).decode()),
                    }
                )
                self.send_response(relay.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"code": 0}')

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SmsRelay:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def sms_relay(settings) -> Iterator[SmsRelay]:
    with SmsRelay() as relay:
        settings.SMS_GATEWAY = "http"
        settings.SMS_GATEWAY_URL = relay.url
        settings.SMS_GATEWAY_TOKEN = "relay-token"
        yield relay


def unused_local_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def notify_by_sms(user: Any, **kwargs: Any) -> list[Notification]:
    return notifications.notify(recipients=[user], title="诉求已受理", body="请留意办理进度", sms=True, **kwargs)


def test_the_inbox_message_is_written_at_once(staff_member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        notify_by_sms(staff_member, link="/appeals/1/")
        assert Notification.objects.filter(recipient=staff_member, title="诉求已受理", link="/appeals/1/").exists()


def test_the_sms_leaves_only_after_commit(staff_member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_by_sms(staff_member)
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.PENDING  # written with the business change, not yet handed to a gateway
    assert message.gateway == ""
    assert len(callbacks) == 1

    callbacks[0]()

    message.refresh_from_db()
    assert message.status == OutboxStatus.STORED


def test_the_default_gateway_stores_the_sms_in_the_outbox(staff_member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify_by_sms(staff_member)
    message = OutboxMessage.objects.get()
    assert (message.channel, message.to, message.status, message.gateway) == (
        OutboxChannel.SMS,
        "13812341234",
        OutboxStatus.STORED,
        "outbox",
    )
    assert message.body == "【营商通】诉求已受理 请留意办理进度"


def test_a_rolled_back_transaction_leaves_no_outbox_message(staff_member, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify_by_sms(staff_member)
        raise RuntimeError("业务操作失败")
    assert not OutboxMessage.objects.exists()
    assert not Notification.objects.exists()
    assert callbacks == []


def test_the_http_gateway_posts_json_and_marks_the_message_sent(
    staff_member, sms_relay, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify_by_sms(staff_member)

    message = OutboxMessage.objects.get()
    assert (message.status, message.gateway) == (OutboxStatus.SENT, "http")
    assert message.sent_at is not None
    [request] = sms_relay.requests
    assert request["path"] == "/sms/send"
    assert request["json"] == {"to": "13812341234", "content": "【营商通】诉求已受理 请留意办理进度"}
    assert request["headers"]["Authorization"] == "Bearer relay-token"
    assert request["headers"]["Content-Type"] == "application/json"


def test_a_gateway_that_is_down_marks_the_message_failed_without_raising(
    staff_member, settings, django_capture_on_commit_callbacks
):
    settings.SMS_GATEWAY = "http"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{unused_local_port()}/sms/send"

    with django_capture_on_commit_callbacks(execute=True):
        inbox = notify_by_sms(staff_member)

    assert len(inbox) == 1
    message = OutboxMessage.objects.get()
    assert (message.status, message.gateway) == (OutboxStatus.FAILED, "http")
    assert message.error
    assert message.sent_at is None


def test_a_gateway_error_response_marks_the_message_failed(staff_member, sms_relay, django_capture_on_commit_callbacks):
    sms_relay.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        notify_by_sms(staff_member)
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.FAILED
    assert "500" in message.error


def test_delivering_twice_sends_once(staff_member, sms_relay, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify_by_sms(staff_member)
    notifications.deliver(OutboxMessage.objects.values_list("pk", flat=True))
    assert len(sms_relay.requests) == 1


def test_a_queue_outage_keeps_the_message_pending_for_the_retry_command(
    staff_member, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(ImmediateBackend, "enqueue", side_effect=ConnectionError("redis down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify_by_sms(staff_member)
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.PENDING

    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    call_command("outbox_deliver")

    message.refresh_from_db()
    assert message.status == OutboxStatus.STORED


def test_e_mail_goes_through_django_mail(staff_member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(recipients=[staff_member], title="政策到期提醒", body="请及时申报", email=True)
    message = OutboxMessage.objects.get(channel=OutboxChannel.EMAIL)
    assert message.status == OutboxStatus.SENT
    assert mail.outbox[0].subject == "政策到期提醒"
    assert mail.outbox[0].to == ["wangwu@jingmen.gov.cn"]


def test_a_recipient_without_a_phone_gets_only_the_inbox_message(make_user, django_capture_on_commit_callbacks):
    user = make_user(Role.COORDINATOR, phone="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify_by_sms(user)
    assert Notification.objects.filter(recipient=user).count() == 1
    assert not OutboxMessage.objects.exists()
    assert callbacks == []


def test_marking_one_message_read_leaves_the_others_unread(staff_member):
    first, second = (notifications.notify(recipients=[staff_member], title=t)[0] for t in ("甲", "乙"))
    notifications.mark_one_read(user=staff_member, notification_id=first.pk)
    assert notifications.unread_count(staff_member) == 1
    second.refresh_from_db()
    assert second.read_at is None


# ---- one send per message, however many workers try ------------------------------------------------------------


def queued_sms(user: Any) -> OutboxMessage:
    """An SMS committed and waiting for its delivery task, which has not run yet."""
    with mock.patch.object(notifications, "_enqueue_delivery"), transaction.atomic():
        notify_by_sms(user)
    return OutboxMessage.objects.get()


def test_a_second_worker_arriving_mid_send_does_not_send_again(staff_member, sms_relay, monkeypatch):
    message = queued_sms(staff_member)
    real_gateway = notifications.sms_gateway
    second_worker: list[int] = []

    class GatewayRacedByAnotherWorker:
        name = "http"

        def send(self, msg: OutboxMessage) -> None:
            # outbox_deliver (or another task worker) picks the same id while this worker is talking to the relay.
            if not second_worker:
                second_worker.append(-1)
                second_worker[0] = notifications.deliver([msg.pk])
            real_gateway().send(msg)

    monkeypatch.setattr(notifications, "sms_gateway", GatewayRacedByAnotherWorker)

    assert notifications.deliver([message.pk]) == 1

    assert second_worker == [0]
    assert len(sms_relay.requests) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT


def test_only_one_of_two_claims_on_the_same_message_wins(staff_member):
    message = queued_sms(staff_member)
    assert notifications.claim(message.pk) is True
    assert notifications.claim(message.pk) is False
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENDING
    assert message.claimed_at is not None


def test_the_task_and_the_retry_command_together_send_once(staff_member, sms_relay):
    message = queued_sms(staff_member)
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=30))

    notifications.deliver([message.pk])  # the task, late
    call_command("outbox_deliver")  # cron, at the same time

    assert len(sms_relay.requests) == 1


def test_a_message_stuck_sending_is_retried_after_ten_minutes(staff_member, sms_relay):
    message = queued_sms(staff_member)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.SENDING, claimed_at=timezone.now() - timedelta(minutes=11)
    )

    call_command("outbox_deliver")

    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert len(sms_relay.requests) == 1


def test_a_message_being_sent_right_now_is_left_to_its_worker(staff_member, sms_relay):
    message = queued_sms(staff_member)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.SENDING,
        claimed_at=timezone.now() - timedelta(minutes=2),
        created_at=timezone.now() - timedelta(hours=1),
    )

    call_command("outbox_deliver")
    notifications.deliver([message.pk])  # a duplicate task does not take it over either

    assert sms_relay.requests == []
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENDING


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent row updates need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_each_message_once(staff_member, sms_relay):
    messages = [queued_sms(staff_member)]
    for _ in range(4):
        with mock.patch.object(notifications, "_enqueue_delivery"), transaction.atomic():
            notify_by_sms(staff_member)
    ids = list(OutboxMessage.objects.values_list("pk", flat=True))
    assert len(ids) == 5 and messages[0].pk in ids
    workers = 6
    start = threading.Barrier(workers)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            notifications.deliver(ids)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    assert len(sms_relay.requests) == 5
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
