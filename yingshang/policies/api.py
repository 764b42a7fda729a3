"""惠企政策 API, mounted under /api/v1/policies/.

`POST /calculate` is the public 政策计算器: no login, stores nothing, returns every published policy's verdict,
amount and explanation for the facts given. `GET /package` is an enterprise user's own 政策礼包.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from yingshang.accounts.permissions import signed_in_user

from . import calculator, engine, package
from .outcomes import Outcome, fen_to_yuan
from .schemas import CalculateIn, CalculateOut, ErrorOut, PackageOut

router = Router(tags=["惠企政策"])

_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}


def _result(version: Any, outcome: Outcome) -> dict[str, Any]:
    return {
        "policy_id": version.policy_id,
        "version": version.number,
        "title": version.title,
        "category": version.get_category_display(),
        "auto_grant": version.auto_grant,
        "verdict": outcome.verdict,
        "verdict_label": outcome.verdict_label,
        "amount_yuan": fen_to_yuan(outcome.amount_fen),
        "amount_range_yuan": [fen_to_yuan(x) for x in outcome.range_fen] if outcome.range_fen else None,
        "clause": outcome.clause,
        "exception": outcome.exception,
        "missing": outcome.missing,
        "near_misses": outcome.near_misses,
        "steps": outcome.steps,
        "explanation": outcome.tree,
    }


@router.post(
    "/calculate", auth=None, response={200: CalculateOut, 400: ErrorOut}, summary="政策计算器(无需登录,不保存数据)"
)
def calculate(request: HttpRequest, payload: CalculateIn) -> Any:
    decision_date = payload.decision_date or timezone.localdate()
    facts = engine.facts_from_input(payload.facts)
    results = calculator.calculate(facts, decision_date=decision_date)
    return {"decision_date": decision_date, "results": [_result(r.version, r.outcome) for r in results]}


@router.get("/package", response={200: PackageOut, **_ERRORS}, summary="本企业的政策礼包")
def my_package(request: HttpRequest) -> Any:
    user = signed_in_user(request)
    if not (user.is_enterprise_user and user.enterprise is not None):
        raise PermissionDenied("仅企业用户可查看本企业的政策礼包")
    result = package.package_for(user.enterprise)
    return {
        "enterprise_id": user.enterprise.pk,
        "eligible": [_result(i.version, i.outcome) for i in result.eligible],
        "near_misses": [_result(i.version, i.outcome) for i in result.near],
        "unknown": [_result(i.version, i.outcome) for i in result.unknown],
    }
