"""Notifications: an in-app inbox message always, and SMS/e-mail through one gateway interface.

The default gateway stores the message in the outbox table, where administrators can read it; a real gateway is
chosen with the SMS_GATEWAY setting.

Outbox rows are written PENDING inside the caller's transaction (a rolled-back change leaves none and notifies no one)
and handed to a gateway only after commit, by the `deliver_outbox` task, so a slow gateway never holds up a web
request. If a process dies between commit and delivery the row stays PENDING and `manage.py outbox_deliver` sends it.

Each message is claimed before it is handed to the gateway: one conditional UPDATE moves it from PENDING to SENDING,
and only the worker whose UPDATE changed the row sends it. The task, `outbox_deliver` and any number of workers can
therefore race for the same message and it still leaves once. A worker that dies mid-send leaves the message SENDING;
`outbox_deliver` takes it over once the claim is older than CLAIM_TIMEOUT (longer than any gateway call may take),
accepting that such a message may, rarely, leave twice rather than never.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Notification, OutboxChannel, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

# A claim older than this is presumed dead (its worker crashed); gateway calls time out after 10 seconds.
CLAIM_TIMEOUT = timedelta(minutes=10)


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
        except Exception as exc:  # a mail server failure must not break the business action
            message.status = OutboxStatus.FAILED
            message.error = str(exc)[:2000]
            logger.warning("E-mail failed for outbox message %s: %s", message.pk, exc)
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
        phone: str = getattr(user, "phone", "") or ""
        address: str = getattr(user, "email", "") or ""
        if sms and phone:
            outbox.append(
                OutboxMessage(
                    channel=OutboxChannel.SMS,
                    recipient_user=user,
                    to=phone,
                    body=f"【{settings.PLATFORM_NAME}】{title} {body}".strip(),
                )
            )
        if email and address:
            outbox.append(
                OutboxMessage(channel=OutboxChannel.EMAIL, recipient_user=user, to=address, subject=title, body=body)
            )
    if outbox:
        ids = [m.pk for m in OutboxMessage.objects.bulk_create(outbox)]
        transaction.on_commit(lambda: _enqueue_delivery(ids))
    return inbox


def _enqueue_delivery(ids: list[int]) -> None:
    from .tasks import deliver_outbox

    try:
        deliver_outbox.enqueue(ids)
    except Exception:  # the queue being down must not fail a committed business action; outbox_deliver retries
        logger.exception("Could not enqueue delivery of outbox messages %s", ids)


def claim(message_id: int, *, take_over_before: datetime | None = None) -> bool:
    """Atomically mark one message SENDING for this worker; False when another worker has it (or it has left).

    A single conditional UPDATE: the database lets exactly one of several concurrent callers change the row, and
    the row count tells each caller whether it was the one. `take_over_before` also claims a message whose previous
    claim is older than that moment (a worker that died mid-send).
    """
    claimable = Q(status=OutboxStatus.PENDING)
    if take_over_before is not None:
        claimable |= Q(status=OutboxStatus.SENDING, claimed_at__lt=take_over_before)
    won = OutboxMessage.objects.filter(claimable, pk=message_id).update(
        status=OutboxStatus.SENDING, claimed_at=timezone.now()
    )
    return won == 1


def deliver(ids: Iterable[int], *, take_over_before: datetime | None = None) -> int:
    """Hand messages to their gateway, each only after winning its claim. Safe to run twice, or twice at once."""
    delivered = 0
    for pk in sorted(set(ids)):
        if not claim(pk, take_over_before=take_over_before):
            continue
        message = OutboxMessage.objects.get(pk=pk)
        gateway: Gateway = sms_gateway() if message.channel == OutboxChannel.SMS else EmailGateway()
        gateway.send(message)
        delivered += 1
    return delivered


def deliver_pending(*, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Send what a crash left behind: PENDING messages whose task never ran, SENDING ones whose worker died.

    Recent PENDING messages are left to their own task, which is normally on its way.
    """
    now = timezone.now()
    stale_claim = now - CLAIM_TIMEOUT
    ids = OutboxMessage.objects.filter(
        Q(status=OutboxStatus.PENDING, created_at__lte=now - older_than)
        | Q(status=OutboxStatus.SENDING, claimed_at__lt=stale_claim)
    ).values_list("pk", flat=True)
    return deliver(list(ids), take_over_before=stale_claim)


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(*, user: Any, notification_ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


def mark_one_read(*, user: Any, notification_id: int) -> Notification:
    """Mark one of the user's own messages read; someone else's message is simply not found."""
    notification = Notification.objects.get(pk=notification_id, recipient=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
