"""Service statistics, computed from cases, materials, ratings and agency requests (definitions in
docs/statistics.md, section 政务服务). A period is a range of local dates, both ends included."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from .models import (
    POOR_SCORE_MAX,
    SATISFIED_SCORE_MIN,
    AgencyRequest,
    AgencyState,
    CaseMaterial,
    Channel,
    ServiceCase,
)


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _rate(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 2) if denominator else None


@dataclass
class Figures:
    label: str
    accepted: int = 0
    online: int = 0
    finished: int = 0
    on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    poor: int = 0
    rectified: int = 0
    rongque: int = 0
    rongque_in_time: int = 0

    @property
    def online_rate(self) -> float | None:
        return _rate(self.online, self.accepted)

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.finished)

    @property
    def rating_rate(self) -> float | None:
        return _rate(self.rated, self.finished)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied, self.rated)

    @property
    def rectification_rate(self) -> float | None:
        return _rate(self.rectified, self.poor)


@dataclass
class ServiceStats:
    start: date
    end: date
    total: Figures
    by_department: list[Figures]
    by_item: list[Figures]
    by_month: list[Figures]
    agency_services: int = 0
    agency_enterprises: int = 0
    agency_done: int = 0
    departments: list[str] = field(default_factory=list)


def _case_rows(start: date, end: date) -> list[Any]:
    lower, upper = _start(start), _start(end + timedelta(days=1))
    in_accepted = Q(accepted_at__gte=lower, accepted_at__lt=upper)
    in_finished = Q(finished_at__gte=lower, finished_at__lt=upper)
    return list(
        ServiceCase.objects.filter(in_accepted | in_finished).values(
            "pk",
            "accepted_at",
            "finished_at",
            "deadline",
            "channel",
            "is_rongque",
            "department__name",
            "item__name",
            "bundle__name",
            "rating__score",
            "rating__rectification__answered_at",
        )
    )


def _rongque_late_case_ids(case_ids: Iterable[int]) -> set[int]:
    """容缺 cases not completed in time: a material still missing, or supplied after its due date."""
    late: set[int] = set()
    rows = CaseMaterial.objects.filter(case_id__in=list(case_ids), due_date__isnull=False).values(
        "case_id", "status", "supplied_at", "due_date"
    )
    for row in rows:
        if row["supplied_at"] is None:
            if row["status"] == "missing":
                late.add(row["case_id"])
        elif row["due_date"] is not None and timezone.localdate(row["supplied_at"]) > row["due_date"]:
            late.add(row["case_id"])
    return late


def service_stats(*, start: date, end: date) -> ServiceStats:
    rows = _case_rows(start, end)
    total = Figures("合计")
    departments: dict[str, Figures] = {}
    items: dict[str, Figures] = {}
    months: dict[str, Figures] = defaultdict(lambda: Figures(""))
    rongque_ids = [r["pk"] for r in rows if r["is_rongque"]]
    late = _rongque_late_case_ids(rongque_ids)

    def groups(row: dict[str, Any], month_key: str) -> list[Figures]:
        dept = row["department__name"]
        item = row["item__name"] or f"一件事:{row['bundle__name']}"
        departments.setdefault(dept, Figures(dept))
        items.setdefault(item, Figures(item))
        months[month_key].label = month_key
        return [total, departments[dept], items[item], months[month_key]]

    for row in rows:
        accepted = row["accepted_at"]
        if accepted is not None and start <= timezone.localdate(accepted) <= end:
            for g in groups(row, f"{timezone.localdate(accepted):%Y-%m}"):
                g.accepted += 1
                g.online += int(row["channel"] == Channel.ONLINE)
                if row["is_rongque"]:
                    g.rongque += 1
                    g.rongque_in_time += int(row["pk"] not in late)
        finished = row["finished_at"]
        if finished is not None and start <= timezone.localdate(finished) <= end:
            deadline = row["deadline"]
            on_time = deadline is not None and timezone.localdate(finished) <= deadline
            score = row["rating__score"]
            for g in groups(row, f"{timezone.localdate(finished):%Y-%m}"):
                g.finished += 1
                g.on_time += int(on_time)
                if score is not None:
                    g.rated += 1
                    g.satisfied += int(score >= SATISFIED_SCORE_MIN)
                    if score <= POOR_SCORE_MAX:
                        g.poor += 1
                        g.rectified += int(row["rating__rectification__answered_at"] is not None)

    agency = AgencyRequest.objects.filter(
        requested_at__gte=_start(start), requested_at__lt=_start(end + timedelta(days=1))
    ).exclude(state=AgencyState.CANCELLED)
    return ServiceStats(
        start=start,
        end=end,
        total=total,
        by_department=sorted(departments.values(), key=lambda f: (-f.accepted, f.label)),
        by_item=sorted(items.values(), key=lambda f: (-f.accepted, f.label)),
        by_month=[months[k] for k in sorted(months)],
        agency_services=agency.count(),
        agency_enterprises=agency.values("enterprise_id").distinct().count(),
        agency_done=agency.filter(state=AgencyState.DONE).count(),
    )


STAT_HEADERS = (
    "分组",
    "办件量",
    "网上办件量",
    "网上办件率(%)",
    "办结量",
    "按时办结量",
    "限时办结率(%)",
    "评价量",
    "主动评价率(%)",
    "满意量",
    "满意率(%)",
    "差评量",
    "已整改",
    "差评整改率(%)",
    "容缺受理量",
    "容缺按期补齐量",
)


def figures_row(group: str, f: Figures) -> list[Any]:
    return [
        f"{group}{f.label}",
        f.accepted,
        f.online,
        f.online_rate,
        f.finished,
        f.on_time,
        f.on_time_rate,
        f.rated,
        f.rating_rate,
        f.satisfied,
        f.satisfaction_rate,
        f.poor,
        f.rectified,
        f.rectification_rate,
        f.rongque,
        f.rongque_in_time,
    ]


def stats_rows(stats: ServiceStats) -> list[list[Any]]:
    rows = [figures_row("", stats.total)]
    rows += [figures_row("部门:", f) for f in stats.by_department]
    rows += [figures_row("事项:", f) for f in stats.by_item]
    rows += [figures_row("月份:", f) for f in stats.by_month]
    rows.append(
        [f"帮办代办:为{stats.agency_enterprises}家企业提供{stats.agency_services}次服务,已办结{stats.agency_done}次"]
    )
    return rows
