"""Notifications: an in-app inbox message always, and SMS/e-mail through one gateway interface.

The default gateway stores the message in the outbox table, where administrators can read it; a real gateway is
chosen with the SMS_GATEWAY setting. Messages are sent after the surrounding transaction commits, so a rolled-back
change never notifies anyone.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Iterable
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Notification, OutboxChannel, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)


class Gateway(Protocol):
    name: str

    def send(self, message: OutboxMessage) -> None: ...


class OutboxOnlyGateway:
    """No external gateway: the message stays in the outbox, visible to administrators."""

    name = "outbox"

    def send(self, message: OutboxMessage) -> None:
        message.status = OutboxStatus.STORED
        message.gateway = self.name
        message.save(update_fields=["status", "gateway"])


class HttpSmsGateway:
    """Posts JSON {to, content} to SMS_GATEWAY_URL with a bearer token: the shape most intranet SMS relays accept."""

    name = "http"

    def send(self, message: OutboxMessage) -> None:
        payload = json.dumps({"to": message.to, "content": message.body}, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - URL comes from the administrator's settings
            settings.SMS_GATEWAY_URL,
            data=payload,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
            },
            method="POST",
        )
        message.gateway = self.name
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                response.read()
            message.status = OutboxStatus.SENT
            message.sent_at = timezone.now()
        except Exception as exc:  # a gateway failure must not break the business action
            message.status = OutboxStatus.FAILED
            message.error = str(exc)[:2000]
            logger.warning("SMS gateway failed for outbox message %s: %s", message.pk, exc)
        message.save(update_fields=["status", "gateway", "sent_at", "error"])


class EmailGateway:
    name = "email"

    def send(self, message: OutboxMessage) -> None:
        message.gateway = self.name
        try:
            send_mail(message.subject or settings.PLATFORM_NAME, message.body, None, [message.to])
            message.status = OutboxStatus.SENT
            message.sent_at = timezone.now()
        except Exception as exc:
            message.status = OutboxStatus.FAILED
            message.error = str(exc)[:2000]
        message.save(update_fields=["status", "gateway", "sent_at", "error"])


SMS_GATEWAYS: dict[str, type[Gateway]] = {"outbox": OutboxOnlyGateway, "http": HttpSmsGateway}


def sms_gateway() -> Gateway:
    try:
        return SMS_GATEWAYS[settings.SMS_GATEWAY]()
    except KeyError as exc:
        raise RuntimeError(f"未知的短信网关 SMS_GATEWAY={settings.SMS_GATEWAY}") from exc


def notify(
    *,
    recipients: Iterable[Any],
    title: str,
    body: str = "",
    link: str = "",
    category: str = "",
    sms: bool = False,
    email: bool = False,
) -> list[Notification]:
    """Write inbox messages now (inside the caller's transaction) and queue SMS/e-mail for after commit."""
    users = [u for u in recipients if u is not None]
    inbox = Notification.objects.bulk_create(
        [Notification(recipient=u, title=title[:200], body=body, link=link, category=category) for u in users]
    )
    outbox: list[OutboxMessage] = []
    for user in users:
        if sms and getattr(user, "phone", ""):
            outbox.append(
                OutboxMessage(
                    channel=OutboxChannel.SMS,
                    recipient_user=user,
                    to=user.phone,
                    body=f"【{settings.PLATFORM_NAME}】{title} {body}".strip(),
                )
            )
        if email and getattr(user, "email", ""):
            outbox.append(
                OutboxMessage(channel=OutboxChannel.EMAIL, recipient_user=user, to=user.email, subject=title, body=body)
            )
    if outbox:
        saved = OutboxMessage.objects.bulk_create(outbox)
        ids = [m.pk for m in saved if m.pk]

        def deliver() -> None:
            for message in OutboxMessage.objects.filter(pk__in=ids, status=OutboxStatus.PENDING):
                gateway: Gateway = sms_gateway() if message.channel == OutboxChannel.SMS else EmailGateway()
                gateway.send(message)

        transaction.on_commit(deliver)
    return inbox


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(*, user: Any, notification_ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())
