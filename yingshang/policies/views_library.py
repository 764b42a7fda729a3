"""Staff pages of the policy library: list, create/edit with the rule builder and formula editor, live match count,
test cases, publish/retire, version history and the matching progress bar."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from yingshang.accounts.permissions import cap_required, signed_in_user
from yingshang.accounts.roles import Cap
from yingshang.core.errors import ApplicationError
from yingshang.rules import RuleError

from . import builder, engine, formula_editor, services
from .forms import PolicyForm, RetireForm, TestCaseForm, case_initial, materials_from_post
from .matching import latest_run, match_progress
from .models import MatchRun, Policy, PolicyStatus, PolicyTestCase, Verdict
from .outcomes import fen_text, fen_to_yuan, formula_problems, rule_problems
from .rule_text import rule_lines
from .selectors import policies_managed_by, policy_get_for, timeline

logger = logging.getLogger(__name__)


def _skip_session_write(request: HttpRequest) -> None:
    """A progress poll is not user activity: it must not renew the idle timeout (see enterprises.views_import)."""
    request.session.save = lambda *args, **kwargs: None  # type: ignore[method-assign]


@cap_required(Cap.MANAGE_POLICIES)
@require_GET
def policy_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    qs = policies_managed_by(user)
    status = request.GET.get("status", "")
    if status in PolicyStatus.values:
        qs = qs.filter(status=status)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        qs = qs.filter(title__icontains=q)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request, "policies/list.html", {"page": page, "status": status, "q": q, "statuses": PolicyStatus.choices}
    )


def _editor_context(
    form: PolicyForm,
    rule_tree: dict[str, Any],
    formula_values: dict[str, Any],
    materials: list[dict[str, Any]],
    problems: list[Any],
    policy: Policy | None,
) -> dict[str, Any]:
    exceptions = formula_values.get("exceptions", [])
    _annotate(formula_values.get("base", {}), "f-base", "base")
    for i, x in enumerate(exceptions):
        x["p"] = f"f-x{i}"
        x["index"] = i
        x["rows"] = builder.flatten(x["when"], f"x{i}")
        _annotate(x["base"], f"f-x{i}", f"x{i}")
    return {
        "form": form,
        "policy": policy,
        "rule_rows": builder.flatten(rule_tree, "rule"),
        "formula": formula_values,
        "materials": [*materials, {"name": "", "description": "", "original_required": False}],
        "catalogue": builder.catalogue(),
        "problems": problems,
        "kinds": formula_editor.KIND_LABELS,
        "tier_modes": formula_editor.TIER_MODES,
        "rounding_units": formula_editor.ROUNDING_UNITS,
        "rounding_modes": formula_editor.ROUNDING_MODES,
    }


def _annotate(amount: dict[str, Any], prefix: str, path: str) -> None:
    """Field prefixes and action paths for the amount-rule template (templates cannot build strings)."""
    amount["p"] = prefix
    amount["apath"] = path
    for i, tier in enumerate(amount.get("tiers", [])):
        tier["p"] = f"{prefix}-t{i}"
    for i, row in enumerate(amount.get("source", {}).get("where", [])):
        row["p"] = f"{prefix}-s-w{i}"
    for i, part in enumerate(amount.get("parts", [])):
        part["index"] = i
        _annotate(part, f"{prefix}-p{i}", f"{path}.p{i}")


def _initial(policy: Policy) -> dict[str, Any]:
    return {
        **{
            name: getattr(policy, name)
            for name in services.CONTENT_FIELDS
            if name not in ("rule", "formula", "materials")
        },
        "pool_budget": fen_to_yuan(policy.pool_budget_fen) or "",
        "edit_version": policy.edit_version,
    }


def _from_post(request: HttpRequest) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    trees = builder.trees_from_post(request.POST)
    rule_tree = trees.get("rule", {"t": "group", "mode": "all", "children": []})
    formula_values = formula_editor.editor_from_post(request.POST, trees)
    materials = materials_from_post(request.POST)
    action = request.POST.get("builder_action", "")
    if action:
        builder.apply_action(trees, action)
        rule_tree = trees.get("rule", rule_tree)
        formula_editor.apply_formula_action(formula_values, action)
        if action == "add_material":
            materials.append({"name": "", "description": "", "original_required": False})
    return rule_tree, formula_values, materials


# Form fields named differently from the model (amounts in yuan on the form, fen in the model).
_FORM_NAMES = {"pool_budget_fen": "pool_budget"}
_FROM_EDITORS = {"rule", "formula", "materials"}


def _policy_input(
    cleaned: dict[str, Any], *, rule: dict[str, Any], formula: dict[str, Any], materials: list[dict[str, Any]]
) -> services.PolicyInput:
    values = {
        name: cleaned[_FORM_NAMES.get(name, name)] for name in services.CONTENT_FIELDS if name not in _FROM_EDITORS
    }
    return services.PolicyInput(**values, rule=rule, formula=formula, materials=materials)


@cap_required(Cap.MANAGE_POLICIES)
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = signed_in_user(request)
    policy = policy_get_for(user, pk) if pk is not None else None
    if policy is not None and policy.status == PolicyStatus.RETIRED:
        messages.error(request, "已废止的政策不能再修改")
        return redirect("policies:detail", pk=policy.pk)
    if request.method == "GET":
        form = PolicyForm(user=user, initial=_initial(policy) if policy else {"allocation_rule": "pro_rata"})
        rule_tree = builder.node_from_json(policy.rule if policy else {})
        formula_values = formula_editor.editor_values(policy.formula if policy else {})
        materials = list(policy.materials) if policy else []
        return render(
            request, "policies/edit.html", _editor_context(form, rule_tree, formula_values, materials, [], policy)
        )
    form = PolicyForm(request.POST, user=user)
    try:
        rule_tree, formula_values, materials = _from_post(request)
    except (builder.BuilderError, ValueError) as exc:
        messages.error(request, str(exc))
        return redirect(request.path)
    if request.POST.get("builder_action"):
        # A builder button (add/remove a condition…): show the changed form again, nothing is saved yet.
        return render(
            request, "policies/edit.html", _editor_context(form, rule_tree, formula_values, materials, [], policy)
        )
    rule, problems = builder.rule_from_tree(rule_tree)
    formula, formula_problems_ = formula_editor.formula_from_editor(formula_values)
    problems += formula_problems_
    if form.is_valid() and not problems:
        data = _policy_input(form.cleaned_data, rule=rule, formula=formula, materials=materials)
        try:
            if policy is None:
                policy = services.policy_create(data=data, by=user)
                messages.success(request, "政策草稿已创建,请添加测试用例后发布")
            else:
                policy = services.policy_update(
                    policy=policy, data=data, by=user, expected_version=form.cleaned_data.get("edit_version")
                )
                messages.success(request, "政策草稿已保存")
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("policies:detail", pk=policy.pk)
    return render(
        request,
        "policies/edit.html",
        _editor_context(form, rule_tree, formula_values, materials, problems, policy),
        status=200,
    )


@cap_required(Cap.MANAGE_POLICIES)
@require_POST
def builder_preview(request: HttpRequest) -> HttpResponse:
    """The live count under the builder: "现有 N 家企业符合,M 家信息不全", and formula warnings."""
    try:
        rule_tree, formula_values, _ = _from_post(request)
    except (builder.BuilderError, ValueError) as exc:
        return render(request, "policies/_preview.html", {"problems": [str(exc)]})
    rule, problems = builder.rule_from_tree(rule_tree)
    messages_: list[str] = [f"{p.message}" for p in problems]
    context: dict[str, Any] = {"problems": messages_}
    if not problems:
        messages_ += rule_problems(rule)
        if not messages_:
            eligible, unknown = engine.count_matches(rule, decision_date=timezone.localdate())
            context.update(eligible=eligible, unknown=unknown)
    formula, formula_issues = formula_editor.formula_from_editor(formula_values)
    if formula and not formula_issues and not formula_problems(formula):
        from yingshang.rules import overlapping_exceptions, parse_formula

        context["overlaps"] = overlapping_exceptions(parse_formula(formula), engine.REGISTRY)
    return render(request, "policies/_preview.html", context)


@cap_required(Cap.MANAGE_POLICIES)
@require_GET
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    policy = policy_get_for(user, pk)
    versions = list(policy.versions.select_related("published_by").order_by("-number"))
    run = latest_run(policy.current_version)
    return render(
        request,
        "policies/detail.html",
        {
            "policy": policy,
            "versions": versions,
            "run": run,
            "progress": match_progress(run) if run else None,
            "events": timeline(policy=policy),
            "publish_problems": services.publish_problems(policy) if policy.status != PolicyStatus.RETIRED else [],
            "retire_form": RetireForm(),
            "can_manage": services.can_manage_policy(user, policy),
            "pool_text": fen_text(policy.pool_budget_fen) if policy.pool_budget_fen else "",
        },
    )


@cap_required(Cap.MANAGE_POLICIES)
@require_POST
def policy_publish(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    policy = policy_get_for(user, pk)
    try:
        version, run = services.policy_publish(policy=policy, by=user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("policies:detail", pk=policy.pk)
    services.match_run_start(run=run)
    from .tasks import remind_interests

    try:
        remind_interests.enqueue()
    except Exception:  # reminders are retried by `manage.py policies_remind`; publishing must not fail for them
        logger.exception("Could not enqueue the 点单 reminders after publishing policy %s", policy.pk)
    messages.success(request, f"已发布第 {version.number} 版,正在匹配企业")
    return redirect("policies:run", pk=run.pk)


@cap_required(Cap.MANAGE_POLICIES)
@require_POST
def policy_retire(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    policy = policy_get_for(user, pk)
    form = RetireForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写废止原因")
        return redirect("policies:detail", pk=policy.pk)
    try:
        services.policy_retire(policy=policy, by=user, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "政策已废止,不再向企业推送")
    return redirect("policies:detail", pk=policy.pk)


@cap_required(Cap.MANAGE_POLICIES)
@require_POST
def policy_rematch(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    policy = policy_get_for(user, pk)
    try:
        run = services.match_run_create(policy=policy, by=user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("policies:detail", pk=policy.pk)
    services.match_run_start(run=run)
    return redirect("policies:run", pk=run.pk)


def _run_for(request: HttpRequest, pk: int) -> MatchRun:
    run = get_object_or_404(MatchRun.objects.select_related("version__policy"), pk=pk)
    policy_get_for(signed_in_user(request), run.version.policy_id)
    return run


@cap_required(Cap.MANAGE_POLICIES)
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_for(request, pk)
    if request.GET.get("poll"):
        _skip_session_write(request)
        progress = match_progress(run)
        if not progress["running"] and getattr(request, "htmx", False):
            return HttpResponseClientRefresh()
        return render(request, "policies/_run_progress.html", {"progress": progress, "run": run})
    return render(
        request, "policies/run.html", {"run": run, "progress": match_progress(run), "policy": run.version.policy}
    )


@cap_required(Cap.MANAGE_POLICIES)
@require_GET
def version_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    policy = policy_get_for(signed_in_user(request), pk)
    version = get_object_or_404(policy.versions.select_related("published_by", "reviewing_department"), number=number)
    rule_text = rule_lines(version.rule)
    return render(
        request,
        "policies/version.html",
        {
            "policy": policy,
            "version": version,
            "rule_lines": rule_text,
            "runs": version.runs.all()[:10],
            "pool_text": fen_text(version.pool_budget_fen) if version.pool_budget_fen else "",
        },
    )


# ---- test cases -----------------------------------------------------------------------------------------------


def _case_form(policy: Policy, data: Any = None, initial: Any = None) -> TestCaseForm:
    from yingshang.rules import parse_rule
    from yingshang.rules.ast import leaves

    keys: list[str] = []
    relations: list[str] = []
    sources = [policy.rule] + [x.get("when") for x in (policy.formula or {}).get("exceptions", [])]
    for source in sources:
        try:
            for leaf in leaves(parse_rule(source)) if source else []:
                target = relations if hasattr(leaf, "of") else keys
                name = leaf.of if hasattr(leaf, "of") else leaf.var
                if name not in target:
                    target.append(name)
        except RuleError:
            continue  # a draft's rule may be unfinished; the case form then offers the variables it can read
    for key in _formula_vars(policy.formula):
        target = relations if key in engine.REGISTRY.relations else keys
        if key not in target:
            target.append(key)
    variables = [engine.REGISTRY.variables[k] for k in keys if k in engine.REGISTRY.variables]
    rels = [engine.REGISTRY.relations[k] for k in relations if k in engine.REGISTRY.relations]
    return TestCaseForm(data, initial=initial, variables=variables, relations=rels)


def _formula_vars(value: Any) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        of = value.get("of")
        if isinstance(of, str) and "kind" in value:
            found.append(of)
        if isinstance(of, dict):
            found.append(of.get("of", ""))
        for child in value.values():
            found += _formula_vars(child)
    elif isinstance(value, list):
        for child in value:
            found += _formula_vars(child)
    return [f for f in found if f]


@cap_required(Cap.MANAGE_POLICIES)
@require_http_methods(["GET", "POST"])
def test_cases(request: HttpRequest, pk: int, case_pk: int | None = None) -> HttpResponse:
    user = signed_in_user(request)
    policy = policy_get_for(user, pk)
    case = get_object_or_404(PolicyTestCase, pk=case_pk, policy=policy) if case_pk else None
    initial = None
    if case is not None:
        initial = {
            "name": case.name,
            "decision_date": case.decision_date,
            "expected_verdict": case.expected_verdict,
            "expected_amount": fen_to_yuan(case.expected_amount_fen) or "",
            **case_initial(case.facts),
        }
    form = _case_form(policy, request.POST if request.method == "POST" else None, initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_case_save(
                policy=policy,
                by=user,
                case=case,
                name=form.cleaned_data["name"],
                facts=form.raw_facts(),
                expected_verdict=form.cleaned_data["expected_verdict"],
                expected_amount_fen=form.cleaned_data["expected_amount"],
                decision_date=form.cleaned_data["decision_date"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "测试用例已保存")
            return redirect("policies:cases", pk=policy.pk)
    results = {r.name: r for r in services.policy_test_results(policy)}
    problems = rule_problems(policy.rule) + formula_problems(policy.formula)
    cases = [
        (
            c,
            results.get(c.name),
            Verdict(c.expected_verdict).label,
            fen_text(c.expected_amount_fen) if c.expected_amount_fen is not None else "",
        )
        for c in policy.test_cases.all()
    ]
    return render(
        request,
        "policies/cases.html",
        {"policy": policy, "form": form, "cases": cases, "editing": case, "problems": problems},
    )


@cap_required(Cap.MANAGE_POLICIES)
@require_POST
def policy_case_delete(request: HttpRequest, pk: int, case_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    policy = policy_get_for(user, pk)
    case = get_object_or_404(PolicyTestCase, pk=case_pk, policy=policy)
    try:
        services.policy_case_delete(case=case, by=user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("policies:cases", pk=policy.pk)
