"""Pages without login (政策计算器, 兑现公示) and the statistics pages for staff and leaders."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from yingshang.accounts.permissions import cap_required, signed_in_user
from yingshang.accounts.roles import Cap
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError
from yingshang.core.exports import write_xlsx, xlsx_response

from . import calculator, engine
from .forms import StatsFilterForm
from .outcomes import fen_text, fen_to_yuan
from .selectors import announcements, policy_stats


@require_http_methods(["GET", "POST"])
def calculator_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    variable_keys, relation_keys = calculator.used_keys(today=today)
    context: dict[str, Any] = {
        "fields": [{"v": engine.REGISTRY.variables[k], "value": request.POST.get(f"v-{k}", "")} for k in variable_keys],
        "relations": [engine.REGISTRY.relations[k] for k in relation_keys],
        "row_range": range(calculator.RELATION_ROWS),
        "posted": request.POST,
    }
    if request.method == "POST":
        raw = calculator.raw_from_form(request.POST, variable_keys, relation_keys)
        try:
            facts = engine.facts_from_input(raw)
        except ApplicationError as exc:
            context["error"] = exc.message
            return render(request, "policies/calculator.html", context, status=400)
        context["results"] = calculator.calculate(facts, decision_date=today)
        context["eligible_total"] = fen_text(
            sum(r.outcome.amount_fen or 0 for r in context["results"] if r.outcome.verdict == "eligible")
        )
    return render(request, "policies/calculator.html", context)


@require_GET
def announcement_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    rows = announcements(q=q)
    return render(
        request,
        "policies/announcements.html",
        {
            "rows": [(r, fen_text(r.amount_fen)) for r in rows],
            "q": q,
            "total": fen_text(sum(r.amount_fen for r in rows)),
        },
    )


@cap_required(Cap.VIEW_POLICY_STATS)
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    form = StatsFilterForm(request.GET or None)
    start = end = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    result = policy_stats(start=start, end=end)
    chart = {
        "months": [r.label for r in result.by_month],
        "amounts": [fen_to_yuan(r.amount_fen) for r in result.by_month],
        "enterprises": [r.enterprises for r in result.by_month],
    }
    return render(
        request,
        "policies/stats.html",
        {
            "form": form,
            "stats": result,
            "chart": chart,
            "amount_text": fen_text(result.amount_fen),
            "by_policy": [(r, fen_text(r.amount_fen)) for r in result.by_policy],
            "by_department": [(r, fen_text(r.amount_fen)) for r in result.by_department],
            "by_month": [(r, fen_text(r.amount_fen)) for r in result.by_month],
            "query": request.GET.urlencode(),
        },
    )


@cap_required(Cap.VIEW_POLICY_STATS)
@require_GET
def stats_export(request: HttpRequest) -> HttpResponseBase:
    user = signed_in_user(request)
    form = StatsFilterForm(request.GET or None)
    start = end = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    result = policy_stats(start=start, end=end)
    period = f"{start or '起始'} 至 {end or '今'}"
    rows: list[list[Any]] = [["统计期间", period, "", ""], ["合计", result.headline, "", ""], ["", "", "", ""]]
    for title, group in (("按政策", result.by_policy), ("按部门", result.by_department), ("按月份", result.by_month)):
        rows.append([title, "兑现企业数(家)", "拨付笔数", "拨付金额(元)"])
        rows += [[r.label, r.enterprises, r.disbursements, fen_to_yuan(r.amount_fen)] for r in group]
        rows.append(["", "", "", ""])
    content = write_xlsx(
        title="政策兑现统计", headers=["项目", "企业数", "笔数", "金额"], rows=rows, widths=[40, 16, 12, 18]
    )
    audit_record(action=Action.EXPORT, user=user, detail={"what": "政策兑现统计", "period": period})
    return xlsx_response(content, f"政策兑现统计-{timezone.localdate():%Y%m%d}.xlsx")
