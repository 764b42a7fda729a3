from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from yingshang.accounts.permissions import cap_required
from yingshang.accounts.roles import Cap

from . import notifications, selectors
from .audit import Action, audit_record
from .forms import OutboxFilterForm
from .models import Notification

# The calendar and audit pages live in their own modules; urls.py imports them from there.

INBOX_PAGE_SIZE = 30
OUTBOX_PAGE_SIZE = 50


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "core/landing.html")
    return render(request, "core/home.html")


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.inbox_for(request.user, unread_only=unread_only), INBOX_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "core/inbox.html", {"page": page, "items": page.object_list, "unread_only": unread_only})


@login_required
@require_POST
def inbox_mark_read(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    notifications.mark_read(user=request.user, notification_ids=ids or None)
    return redirect("core:inbox")


def _get_own(request: HttpRequest, pk: int) -> Notification:
    try:
        return notifications.mark_one_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist as exc:
        raise Http404("消息不存在") from exc


@login_required
@require_POST
def inbox_read_one(request: HttpRequest, pk: int) -> HttpResponse:
    notification = _get_own(request, pk)
    if not getattr(request, "htmx", False):
        return redirect("core:inbox")
    response = render(request, "core/_inbox_item.html", {"n": notification})
    # The page script updates the unread badge in the top bar from this event.
    response["HX-Trigger"] = json.dumps({"ys:unread-changed": {"count": notifications.unread_count(request.user)}})
    return response


@login_required
@require_GET
def inbox_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a message's link, marking it read on the way."""
    notification = _get_own(request, pk)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(link)
    return redirect("core:inbox")


@cap_required(Cap.READ_OUTBOX)
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    form = OutboxFilterForm(request.GET or None)
    filters = form.values()
    page_number = request.GET.get("page") or 1
    # The outbox holds what was said to whom (recipients masked, bodies not): reading it is audited, once per page.
    audit_record(action=Action.OUTBOX_VIEWED, user=request.user, detail={"filters": filters, "page": str(page_number)})
    page = Paginator(selectors.outbox_list(**filters), OUTBOX_PAGE_SIZE).get_page(page_number)
    return render(request, "core/outbox.html", {"form": form, "page": page})
