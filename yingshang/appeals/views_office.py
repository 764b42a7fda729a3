"""Office and leadership pages: the workbench, the 台账 and its export, meetings, categories, statistics, 红黄榜."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import Select
from django.forms.renderers import DjangoTemplates
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yingshang.accounts.permissions import cap_required, signed_in_user
from yingshang.accounts.roles import Cap, Role
from yingshang.core.errors import ApplicationError
from yingshang.core.exports import xlsx_response

from . import forms as f
from .events import today as local_today
from .exports import ledger_export
from .models import Appeal, AppealCategory, AppealState, Meeting, RankingPublication
from .selectors import (
    appeal_ledger,
    can_use_appeals,
    category_tree,
    colour_counts,
    pending_requests,
    with_colour,
)
from .services import MeetingAppealRow, category_save, meeting_record
from .statistics import (
    RATE_LABELS,
    default_weights,
    department_statistics,
    excluded_appeals,
    month_bounds,
    ranking,
    ranking_publish,
    totals,
)


def _staff_ledger_user(request: HttpRequest) -> Any:
    user = signed_in_user(request)
    if user.role == Role.ENTERPRISE or not can_use_appeals(user):
        raise PermissionDenied("您的角色无权查看诉求台账")
    return user


def _query_without(request: HttpRequest, *drop: str) -> str:
    params = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        kept = [v for v in values if v.strip()]
        if key not in drop and kept:
            params.setlist(key, kept)
    return params.urlencode()


@cap_required(Cap.DISPATCH_APPEALS)
@require_GET
def office_home(request: HttpRequest) -> HttpResponse:
    """营商办工作台: what waits for dispatch, review and 回访, and the requests to decide."""
    visible = with_colour(Appeal.objects.all()).select_related("category", "lead_department")
    context = {
        "to_dispatch": visible.filter(state=AppealState.SUBMITTED).order_by("deadline")[:50],
        "to_review": visible.filter(state=AppealState.REPLIED).order_by("replied_at")[:50],
        "to_follow_up": visible.filter(state=AppealState.REVIEWED).order_by("updated_at")[:50],
        "red": visible.filter(colour="red").exclude(state__in=[AppealState.CLOSED, AppealState.MERGED])[:50],  # type: ignore[misc]
        **pending_requests(),
        "counts": colour_counts(visible.exclude(state__in=[AppealState.CLOSED, AppealState.MERGED])),
    }
    return render(request, "appeals/office.html", context)


class _PlainSelectRenderer(DjangoTemplates):
    """The ledger filter form's renderer: writes <select> elements in Python, the same HTML as Django's templates.

    Django renders each <option> through two template includes; the filter bar's department, category and township
    lists run to hundreds of options (260 in the 1,000,000-appeal benchmark), which cost 18 ms a page against 6 ms
    this way. Everything else (and any option with its own template) goes through the templates as usual; a test
    compares the two renderers' output.
    """

    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        widget = context.get("widget")
        if template_name != Select.template_name or widget is None:
            return super().render(template_name, context, request)
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_html_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                if option["template_name"] != Select.option_template_name:
                    return super().render(template_name, context, request)
                value = conditional_escape(str(option["value"]))
                label = conditional_escape(option["label"])
                parts.append(f'\n  <option value="{value}"{_html_attrs(option["attrs"])}>{label}</option>\n')
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return "".join(parts).strip()


def _html_attrs(attrs: dict[str, Any]) -> str:
    """As django/forms/widgets/attrs.html: `True` gives a bare attribute, `False` none."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


_FILTER_RENDERER = _PlainSelectRenderer()


class _CountedPaginator(Paginator):
    """A paginator told its total: the 红黄绿 counts already give it, so it need not run its own count(*)."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


@login_required
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    user = _staff_ledger_user(request)
    form = f.LedgerFilterForm(request.GET or None, renderer=_FILTER_RENDERER)
    filters = form.filters() if request.GET else f.LedgerFilterForm({}).filters()
    day = local_today()  # one date for the rows, the filter and the counts, even across midnight
    # The three counts ignore the colour filter, so they always show the whole 红黄绿 split; one of them (or their
    # sum) is also the number of rows the page lists.
    counts = colour_counts(appeal_ledger(user=user, filters=replace(filters, colour=""), day=day), day)
    total = counts.get(filters.colour, 0) if filters.colour else counts["total"]
    page = _CountedPaginator(appeal_ledger(user=user, filters=filters, day=day), 50, count=total).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "appeals/ledger.html",
        {
            "form": form,  # unbound without a query string, so it shows the defaults (在办)
            "page": page,
            "counts": counts,
            "filter_query": _query_without(request, "page"),
            "can_export": user.has_cap(Cap.DISPATCH_APPEALS) or user.has_cap(Cap.VIEW_APPEAL_STATS),
            "can_unmask": bool(user.can_unmask_personal_data),
        },
    )


@login_required
@require_GET
def ledger_export_view(request: HttpRequest) -> HttpResponseBase:
    user = _staff_ledger_user(request)
    if not (user.has_cap(Cap.DISPATCH_APPEALS) or user.has_cap(Cap.VIEW_APPEAL_STATS)):
        raise PermissionDenied("您的角色无权导出诉求台账")
    filters = f.LedgerFilterForm(request.GET).filters()
    try:
        content = ledger_export(
            qs=appeal_ledger(user=user, filters=filters),
            user=user,
            filters=filters,
            unmask=request.GET.get("unmask") == "1",
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('appeals:ledger')}?{_query_without(request, 'unmask')}")
    return xlsx_response(content, f"企业诉求台账-{timezone.localdate():%Y%m%d}.xlsx")


# ---- meetings -------------------------------------------------------------------------------------------------


@cap_required(Cap.RECORD_APPEALS)
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    meetings = Meeting.objects.select_related("created_by").order_by("-held_on", "-id")
    page = Paginator(meetings, 30).get_page(request.GET.get("page"))
    return render(request, "appeals/meeting_list.html", {"page": page})


@cap_required(Cap.RECORD_APPEALS)
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = f.MeetingForm(request.POST or None)
    rows = f.MeetingRowFormSet(request.POST or None, prefix="rows")
    if request.method == "POST" and form.is_valid() and rows.is_valid():
        items = [
            MeetingAppealRow(
                enterprise=row["enterprise_text"],
                category=row["category"],
                title=row["title"],
                description=row["description"],
                contact_name=row.get("contact_name", ""),
                contact_phone=row.get("contact_phone", ""),
                urgency=row.get("urgency") or "normal",
            )
            for row in rows.cleaned_data
            if row
        ]
        try:
            meeting, appeals = meeting_record(by=user, rows=items, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已登记活动及 {len(appeals)} 条企业诉求")
            return redirect("appeals:meeting_detail", pk=meeting.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "appeals/meeting_form.html", {"form": form, "rows": rows}, status=status)


@cap_required(Cap.RECORD_APPEALS)
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = Meeting.objects.filter(pk=pk).first()
    if meeting is None:
        raise Http404("未找到该活动")
    appeals = with_colour(meeting.appeals.all()).select_related("category", "lead_department", "enterprise")
    return render(request, "appeals/meeting_detail.html", {"meeting": meeting, "appeals": appeals})


# ---- categories -----------------------------------------------------------------------------------------------


@cap_required(Cap.DISPATCH_APPEALS)
@require_GET
def category_list(request: HttpRequest) -> HttpResponse:
    return render(request, "appeals/category_list.html", {"tree": category_tree()})


@cap_required(Cap.DISPATCH_APPEALS)
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    category = AppealCategory.objects.filter(pk=pk).first() if pk else None
    if pk and category is None:
        raise Http404("未找到该分类")
    initial: dict[str, Any] = {}
    if category is not None:
        initial = {
            name: getattr(category, name)
            for name in (
                "code",
                "name",
                "parent",
                "default_department",
                "sign_limit_days",
                "limit_normal_days",
                "limit_urgent_days",
                "limit_critical_days",
                "sort_order",
                "is_active",
                "description",
            )
        }
    form = f.CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = category_save(by=signed_in_user(request), category=category, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已保存分类「{saved.name}」")
            return redirect("appeals:categories")
    status = 400 if request.method == "POST" else 200
    return render(request, "appeals/category_form.html", {"form": form, "category": category}, status=status)


# ---- statistics and 红黄榜 --------------------------------------------------------------------------------------


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


@cap_required(Cap.VIEW_APPEAL_STATS)
@require_GET
def statistics_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = f.PeriodForm(request.GET or {"start": today.replace(month=1, day=1), "end": today})
    start, end = form.period()
    try:
        rows = department_statistics(start=start, end=end)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        rows = []
    chart = {
        "departments": [r.department for r in rows],
        "series": {label: [_number(r.rates[key]) for r in rows] for key, label in RATE_LABELS.items()},
        "days": [_number(r.avg_days_to_close) for r in rows],
    }
    colours = colour_counts(
        with_colour(Appeal.objects.filter(created_at__date__gte=start, created_at__date__lte=end)).exclude(
            state=AppealState.MERGED
        )
    )
    return render(
        request,
        "appeals/statistics.html",
        {
            "form": form,
            "rows": rows,
            "total": totals(rows),
            "rate_labels": RATE_LABELS,
            "chart": chart,
            "colours": colours,
            "start": start,
            "end": end,
        },
    )


def _default_month() -> date:
    today = timezone.localdate()
    first = today.replace(day=1)
    return first.replace(year=first.year - 1, month=12) if first.month == 1 else first.replace(month=first.month - 1)


@cap_required(Cap.VIEW_APPEAL_STATS)
@require_GET
def ranking_view(request: HttpRequest) -> HttpResponse:
    weights = default_weights()
    form = f.RankingForm(request.GET or {"month": _default_month().strftime("%Y-%m"), **weights})
    month = _default_month()
    if form.is_valid():
        month, weights = form.cleaned_data["month"].replace(day=1), form.weights()
    start, end = month_bounds(month)
    rows: list[Any] = []
    try:
        rows = ranking(start=start, end=end, weights=weights)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    user = signed_in_user(request)
    published = RankingPublication.objects.filter(month=month).select_related("published_by").first()
    if published is not None:
        # A published month shows the figures as they were published, not as they are recomputed today.
        rows, weights = published.rows, published.weights
    return render(
        request,
        "appeals/ranking.html",
        {
            "form": form,
            "rows": rows,
            "month": month,
            "weights": weights,
            "excluded": excluded_appeals(start=start, end=end),
            "published": published,
            "publications": RankingPublication.objects.all()[:12],
            "can_publish": user.has_cap(Cap.DISPATCH_APPEALS),
        },
    )


@cap_required(Cap.DISPATCH_APPEALS)
@require_POST
def ranking_publish_view(request: HttpRequest) -> HttpResponse:
    form = f.RankingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择月份并填写三项权重")
        return render(request, "appeals/ranking.html", {"form": form, "rows": [], "can_publish": True}, status=400)
    try:
        publication = ranking_publish(
            month=form.cleaned_data["month"], by=signed_in_user(request), weights=form.weights()
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{publication.month:%Y年%m月}红黄榜已发布")
    query = _query_of(request.POST, "month", "response", "solve", "satisfaction")
    return redirect(f"{reverse('appeals:ranking')}?{query}")


def _query_of(data: QueryDict, *keys: str) -> str:
    params = QueryDict(mutable=True)
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value:
            params[key] = value
    return params.urlencode()
