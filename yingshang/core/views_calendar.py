"""工作日历: the system administrator keeps the statutory holidays and 调休 days that every deadline depends on."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yingshang.accounts.permissions import cap_required
from yingshang.accounts.roles import Cap

from . import selectors, services, workdays
from .errors import ApplicationError
from .forms import CalendarDayForm
from .models import CalendarDay, CalendarSource


def _calendar_url(year: int) -> str:
    return f"{reverse('core:calendar')}?year={year}"


def _selected_year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if workdays.MIN_DATE.year <= year <= workdays.MAX_DATE.year else timezone.localdate().year


@cap_required(Cap.MANAGE_CALENDAR)
def calendar(request: HttpRequest) -> HttpResponse:
    year = _selected_year(request)
    today = timezone.localdate()
    years = list(selectors.calendar_years())
    year_row = next((y for y in years if y.year == year), None)
    exceptions = list(selectors.calendar_exceptions(year))
    initial_day = today if today.year == year else date(year, 1, 1)
    context = {
        "year": year,
        "year_row": year_row,
        "year_choices": selectors.calendar_year_choices(year, today=today),
        "years": years,
        "months": selectors.calendar_year_grid(year, today=today),
        "exceptions": [(row, services.is_regular_override(row)) for row in exceptions],
        "warnings": workdays.upcoming_year_warnings(today),
        "year_warning": None if year_row and year_row.confirmed else workdays.unknown_year_warning(year),
        "form": CalendarDayForm(initial={"day": initial_day, "kind": "rest"}),
        "package_years": workdays.package_years(),
    }
    return render(request, "core/calendar.html", context)


@cap_required(Cap.MANAGE_CALENDAR)
def calendar_day_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = CalendarDayForm(request.POST)
        if form.is_valid():
            try:
                row = services.calendar_day_save(
                    day=form.cleaned_data["day"],
                    is_working_day=form.is_working_day,
                    name=form.cleaned_data["name"],
                    by=request.user,
                )
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"已添加例外日:{row}")
                return redirect(_calendar_url(row.date.year))
    else:
        initial: dict[str, object] = {"kind": "rest"}
        try:
            day = date.fromisoformat(request.GET.get("date", ""))
        except ValueError:
            day = None
        if day is not None:
            # From a click on the grid: propose the one arrangement that would change anything.
            initial = {"day": day, "kind": "rest" if workdays.is_weekday(day) else "work"}
        form = CalendarDayForm(initial=initial)
    back_year = form.cleaned_data["day"].year if form.is_bound and "day" in getattr(form, "cleaned_data", {}) else None
    if back_year is None:
        initial_day = form.initial.get("day")
        back_year = initial_day.year if isinstance(initial_day, date) else timezone.localdate().year
    return render(request, "core/calendar_day_form.html", {"form": form, "row": None, "back_year": back_year})


@cap_required(Cap.MANAGE_CALENDAR)
def calendar_day_edit(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(CalendarDay, pk=pk)
    if request.method == "POST":
        form = CalendarDayForm(request.POST, instance=row)
        if form.is_valid():
            try:
                services.calendar_day_save(
                    day=row.date,
                    is_working_day=form.is_working_day,
                    name=form.cleaned_data["name"],
                    by=request.user,
                    instance=row,
                )
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"已保存:{row}")
                return redirect(_calendar_url(row.date.year))
    else:
        form = CalendarDayForm(instance=row)
    return render(
        request,
        "core/calendar_day_form.html",
        {
            "form": form,
            "row": row,
            "is_regular_override": services.is_regular_override(row),
            "back_year": row.date.year,
        },
    )


@cap_required(Cap.MANAGE_CALENDAR)
@require_POST
def calendar_day_delete(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(CalendarDay, pk=pk)
    year, label = row.date.year, f"{row.date:%Y-%m-%d}"
    remaining = services.calendar_day_delete(row=row, by=request.user)
    if remaining is None:
        messages.success(request, f"已删除 {label} 的例外安排,该日按周一至周五规则计算")
    elif remaining.source == CalendarSource.ADMIN:
        messages.success(request, f"已撤销 {label} 的节假日数据安排,该日按常规计算(重新导入数据时也不会恢复)")
    else:
        messages.success(request, f"已恢复 {label} 的 chinese-calendar 数据安排:{remaining}")
    return redirect(_calendar_url(year))


@cap_required(Cap.MANAGE_CALENDAR)
@require_POST
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    complete = request.POST.get("complete") == "1"
    try:
        services.calendar_year_set_complete(year=year, complete=complete, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已将{year}年标记为录入完整" if complete else f"已撤销{year}年的录入完整标记")
    return redirect(_calendar_url(year))
