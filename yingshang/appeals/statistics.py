"""Department statistics and the 红黄榜. Every definition is written out in docs/statistics.md (## 企业诉求).

All figures come from stored states, assignments and follow-ups (never typed in), in two grouped queries per period:
one over lead assignments dispatched in the period (响应率, 退单率), one over appeals filed in the period (the rest).
核减 (excluded) and merged appeals never count.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from yingshang.accounts.models import Department, User
from yingshang.accounts.roles import Cap
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, PermissionDeniedError

from .models import (
    SATISFIED_RATINGS,
    Appeal,
    AppealState,
    Assignment,
    AssignmentRole,
    AssignmentState,
    RankingPublication,
    Resolution,
)

DEFAULT_WEIGHTS = {"response": 30, "solve": 35, "satisfaction": 35}
WEIGHT_LABELS = {"response": "响应率", "solve": "解决率", "satisfaction": "满意率"}


def _rate(numerator: int, denominator: int) -> Decimal | None:
    """A percentage with one decimal, or None when there is nothing to measure (shown as "—", not 0 %)."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class DepartmentStats:
    department_id: int
    department: str
    dispatched: int = 0
    signed_on_time: int = 0
    returned: int = 0
    filed: int = 0
    followed_up: int = 0
    solved: int = 0
    rated: int = 0
    satisfied: int = 0
    closed: int = 0
    closed_on_time: int = 0
    reopened: int = 0
    avg_days_to_close: Decimal | None = None
    rates: dict[str, Decimal | None] = field(default_factory=dict)

    def compute(self) -> DepartmentStats:
        self.rates = {
            "response": _rate(self.signed_on_time, self.dispatched),
            "solve": _rate(self.solved, self.followed_up),
            "satisfaction": _rate(self.satisfied, self.rated),
            "on_time": _rate(self.closed_on_time, self.closed),
            "reopen": _rate(self.reopened, self.followed_up),
            "return": _rate(self.returned, self.dispatched),
        }
        return self


RATE_LABELS = {
    "response": "响应率",
    "solve": "解决率",
    "satisfaction": "满意率",
    "on_time": "按期办结率",
    "reopen": "重办率",
    "return": "退单率",
}


def department_statistics(*, start: date, end: date) -> list[DepartmentStats]:
    """One row per department that had lead assignments or appeals in [start, end] (dates inclusive, local time)."""
    if end < start:
        raise ApplicationError("结束日期不能早于开始日期", field="end")
    rows: dict[int, DepartmentStats] = {}
    names = dict(Department.objects.values_list("pk", "name"))

    def row(pk: int) -> DepartmentStats:
        if pk not in rows:
            rows[pk] = DepartmentStats(department_id=pk, department=names.get(pk, str(pk)))
        return rows[pk]

    assignments = (
        Assignment.objects.filter(
            role=AssignmentRole.LEAD,
            dispatched_at__date__gte=start,
            dispatched_at__date__lte=end,
            appeal__excluded=False,
        )
        .exclude(appeal__state=AppealState.MERGED)
        .exclude(state=AssignmentState.WITHDRAWN, signed_at__isnull=True)
    )
    assignment_rows: list[Any] = list(
        assignments.values("department_id").annotate(
            dispatched=Count("id"),
            # signed_at is a datetime, sign_deadline a date: compare by local day via the __date transform.
            in_time=Count("id", filter=Q(signed_at__isnull=False, signed_at__date__lte=F("sign_deadline"))),
            returned=Count("id", filter=Q(state=AssignmentState.RETURNED)),
        )
    )
    for item in assignment_rows:
        target = row(item["department_id"])
        target.dispatched, target.signed_on_time, target.returned = (
            item["dispatched"],
            item["in_time"],
            item["returned"],
        )

    appeals = Appeal.objects.filter(
        lead_department__isnull=False,
        created_at__date__gte=start,
        created_at__date__lte=end,
        excluded=False,
    ).exclude(state=AppealState.MERGED)
    appeal_rows: list[Any] = list(
        appeals.values("lead_department_id").annotate(
            filed=Count("id"),
            followed_up=Count("id", filter=~Q(last_resolution="")),
            solved=Count("id", filter=Q(last_resolution=Resolution.SOLVED)),
            rated=Count("id", filter=Q(last_rating__isnull=False)),
            satisfied=Count("id", filter=Q(last_rating__in=[int(r) for r in SATISFIED_RATINGS])),
            closed=Count("id", filter=Q(state=AppealState.CLOSED)),
            closed_on_time=Count("id", filter=Q(state=AppealState.CLOSED, finished_late=False)),
            reopened=Count("id", filter=Q(reopen_count__gt=0, last_resolution__gt="")),
            avg_days=Avg("working_days_to_close", filter=Q(state=AppealState.CLOSED)),
        )
    )
    for item in appeal_rows:
        target = row(item["lead_department_id"])
        for key in ("filed", "followed_up", "solved", "rated", "satisfied", "closed", "closed_on_time", "reopened"):
            setattr(target, key, item[key])
        if item["avg_days"] is not None:
            target.avg_days_to_close = Decimal(str(item["avg_days"])).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return sorted((r.compute() for r in rows.values()), key=lambda r: r.department)


def totals(rows: list[DepartmentStats]) -> DepartmentStats:
    total = DepartmentStats(department_id=0, department="合计")
    for key in ("dispatched", "signed_on_time", "returned", "filed", "followed_up", "solved", "rated"):
        setattr(total, key, sum(getattr(r, key) for r in rows))
    for key in ("satisfied", "closed", "closed_on_time", "reopened"):
        setattr(total, key, sum(getattr(r, key) for r in rows))
    closed_days = [(r.avg_days_to_close, r.closed) for r in rows if r.avg_days_to_close is not None and r.closed]
    if closed_days:
        weighted = sum(days * n for days, n in closed_days) / sum(n for _, n in closed_days)
        total.avg_days_to_close = Decimal(weighted).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return total.compute()


# ---- 红黄榜 -----------------------------------------------------------------------------------------------------


def default_weights() -> dict[str, int]:
    return dict(getattr(settings, "APPEALS_RANKING_WEIGHTS", DEFAULT_WEIGHTS))


def check_weights(weights: dict[str, int]) -> dict[str, int]:
    if set(weights) != set(DEFAULT_WEIGHTS):
        raise ApplicationError("权重须包含响应率、解决率、满意率三项")
    if any(int(v) < 0 for v in weights.values()) or sum(int(v) for v in weights.values()) != 100:
        raise ApplicationError("三项权重须为非负整数且合计为 100", field="weights")
    return {k: int(v) for k, v in weights.items()}


@dataclass
class RankingRow:
    rank: int
    department_id: int
    department: str
    score: Decimal
    rates: dict[str, Decimal | None]
    appeals: int
    band: str  # "red" 红榜, "yellow" 黄榜, "" neither


def ranking(*, start: date, end: date, weights: dict[str, int] | None = None) -> list[RankingRow]:
    """Departments ranked by the weighted score of 响应率, 解决率 and 满意率 (each 0–100).

    A rate with nothing to measure counts as 100 when the department had no such cases, so that an empty
    denominator neither rewards nor punishes twice; a department with no lead assignment in the period is not
    ranked. The top third (at least one) is the 红榜, the bottom third the 黄榜; ties with a band's last department
    join the band (红榜 first).
    """
    weights = check_weights(weights or default_weights())
    scored: list[tuple[Decimal, DepartmentStats]] = []
    for row in department_statistics(start=start, end=end):
        if not row.dispatched:
            continue
        score = Decimal(0)
        for key, weight in weights.items():
            rate = row.rates[key]
            score += Decimal(weight) * (rate if rate is not None else Decimal(100)) / 100
        scored.append((score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), row))
    scored.sort(key=lambda item: (-item[0], item[1].department))
    band_size = max(1, len(scored) // 3) if len(scored) >= 2 else 0
    # Departments tied with the last one in a band share it (a tie never splits between 红榜 and no band).
    red_from = scored[band_size - 1][0] if band_size else None
    yellow_to = scored[-band_size][0] if band_size else None
    result = []
    for index, (score, row) in enumerate(scored):
        band = ""
        if red_from is not None and score >= red_from:
            band = "red"
        elif yellow_to is not None and score <= yellow_to and index > 0:
            band = "yellow"
        result.append(
            RankingRow(
                rank=index + 1,
                department_id=row.department_id,
                department=row.department,
                score=score,
                rates={k: row.rates[k] for k in ("response", "solve", "satisfaction")},
                appeals=row.filed,
                band=band,
            )
        )
    return result


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


@transaction.atomic
def ranking_publish(*, month: date, by: User, weights: dict[str, int] | None = None) -> RankingPublication:
    """Freeze a month's 红黄榜 as published; a month is published once."""
    if not by.has_cap(Cap.DISPATCH_APPEALS):
        raise PermissionDeniedError("只有营商办可以发布红黄榜")
    first, last = month_bounds(month)
    if first > timezone.localdate():
        raise ApplicationError("不能发布尚未开始的月份", field="month")
    weights = check_weights(weights or default_weights())
    rows = ranking(start=first, end=last, weights=weights)
    if not rows:
        raise ApplicationError("该月没有可排名的部门", field="month")
    payload: list[dict[str, Any]] = []
    for item in rows:
        data = asdict(item)
        data["score"] = str(item.score)
        data["rates"] = {k: (str(v) if v is not None else None) for k, v in item.rates.items()}
        payload.append(data)
    try:
        with transaction.atomic():
            publication = RankingPublication.objects.create(
                month=first, weights=weights, rows=payload, published_by=by, published_at=timezone.now()
            )
    except IntegrityError:
        raise ApplicationError(f"{first:%Y年%m月}的红黄榜已发布", field="month") from None
    audit_record(action=Action.APPEAL_RANKING_PUBLISHED, user=by, obj=publication, detail={"month": first.isoformat()})
    return publication


def excluded_appeals(*, start: date, end: date) -> list[Appeal]:
    """核减 appeals of the period, listed under the 红黄榜 with their reasons."""
    return list(
        Appeal.objects.filter(excluded=True, created_at__date__gte=start, created_at__date__lte=end)
        .select_related("lead_department", "excluded_by")
        .order_by("-excluded_at")
    )
