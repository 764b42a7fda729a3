"""Reads of the enterprise registry. Every query starts from what the user may see (`enterprise_visible_to`).

Who sees what:
- enterprise users: their own enterprise only; any other record is "not found" (404), never "forbidden", so the
  registry does not confirm which enterprises exist;
- business staff (Cap.VIEW_ENTERPRISE_REGISTRY: department staff, liaison, coordinator, leader): every enterprise;
- the three administrator roles (三权分立): none. They are refused outright (403) by `ensure_can_browse_registry`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from yingshang.accounts.roles import Cap
from yingshang.core.masking import mask_phone

from .facts import FACTS
from .models import (
    Enterprise,
    EnterpriseEvent,
    EnterpriseFact,
    EnterpriseQualification,
    FourUpCategory,
    Scale,
)

# Personal data among the facts: masked wherever a fact value or a change is shown.
PERSONAL_FACT_KEYS = frozenset({"contact_phone"})

# Below this many rows an exact COUNT(*) is cheap enough on PostgreSQL; above it, and only for the unfiltered
# list, the planner's row estimate is shown instead ("约 …").
COUNT_ESTIMATE_THRESHOLD = 100_000

FOUR_UP_NONE = "none"  # 非四上 (stored as "")
FOUR_UP_ANY = "any"  # any 四上 category


class CreditFilter:
    FLAGGED = "flagged"
    DISHONEST = "dishonest"
    ABNORMAL = "abnormal"
    CLEAN = "clean"

    CHOICES = [
        (FLAGGED, "有不良信用记录"),
        (DISHONEST, "失信被执行人"),
        (ABNORMAL, "经营异常"),
        (CLEAN, "无不良信用记录"),
    ]
    VALUES = frozenset(value for value, _ in CHOICES)


FOUR_UP_FILTER_CHOICES = [
    (FOUR_UP_ANY, "四上企业(全部)"),
    *[(value, label) for value, label in FourUpCategory.choices if value],
    (FOUR_UP_NONE, "非四上"),
]
FOUR_UP_FILTER_VALUES = frozenset(value for value, _ in FOUR_UP_FILTER_CHOICES)


# ---------------------------------------------------------------------------------------------------------------
# Visibility
# ---------------------------------------------------------------------------------------------------------------


def can_browse_registry(user: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_enterprise_user or user.has_cap(Cap.VIEW_ENTERPRISE_REGISTRY))


def ensure_can_browse_registry(user: Any) -> None:
    """Refuse (403) roles that have no business in the registry at all: the administrator roles."""
    if not can_browse_registry(user):
        raise PermissionDenied("您的角色无权查看企业库")


def enterprise_visible_to(user: Any) -> QuerySet[Enterprise]:
    qs = Enterprise.objects.all()
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.is_enterprise_user:
        return qs.filter(pk=user.enterprise_id) if user.enterprise_id else qs.none()
    if user.has_cap(Cap.VIEW_ENTERPRISE_REGISTRY):
        return qs
    return qs.none()


def enterprise_get_for(user: Any, pk: int) -> Enterprise:
    """The enterprise if `user` may see it; Http404 otherwise (also for records of other enterprises)."""
    enterprise = enterprise_visible_to(user).select_related("township", "park").filter(pk=pk).first()
    if enterprise is None:
        raise Http404("未找到该企业")
    return enterprise


# ---------------------------------------------------------------------------------------------------------------
# Search and filters
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnterpriseFilters:
    """The filters of the registry list, shared by the page, the export and the API."""

    q: str = ""
    township: int | None = None
    park: int | None = None
    chain: int | None = None
    qualification: int | None = None
    scale: str = ""
    four_up_category: str = ""
    credit: str = ""
    industry_code: str = ""

    def as_kwargs(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def active(self) -> dict[str, Any]:
        """Only the filters that are set, e.g. for the audit row of an export."""
        return {k: v for k, v in self.as_kwargs().items() if v not in (None, "")}

    def is_empty(self) -> bool:
        return not self.active()


_SEARCH_CODE = re.compile(r"[0-9A-Za-z]+")


def _pk(value: int | Model | None) -> int | None:
    if value is None or value == "":
        return None
    return value.pk if isinstance(value, Model) else int(value)


def _search(qs: QuerySet[Enterprise], q: str) -> QuerySet[Enterprise]:
    text = unicodedata.normalize("NFKC", q).strip()
    if not text:
        return qs
    # The name is matched anywhere (the trigram index serves this on PostgreSQL). A Latin/digit query may also be
    # the start of a USCC or of the name's pinyin initials ("JMXNY" finds 荆门新能源…); both are prefix matches on
    # upper-case columns, so B-tree indexes serve them.
    condition = Q(name__contains=text)
    code = re.sub(r"[\s-]", "", text)
    if _SEARCH_CODE.fullmatch(code):
        upper = code.upper()
        if len(upper) >= 8 and any(c.isdigit() for c in upper):
            # Eight or more letters and digits are a credit code being typed, not a name: only the code index.
            return qs.filter(_prefix("uscc", upper[:18]))
        condition |= _prefix("uscc", upper[:18]) | _prefix("name_initials", upper)
    return qs.filter(condition)


def _prefix(field: str, prefix: str) -> Q:
    if connection.vendor != "sqlite":
        # PostgreSQL serves LIKE 'x%' from the varchar_pattern_ops index Django creates for indexed text columns.
        return Q(**{f"{field}__startswith": prefix})
    # SQLite's LIKE is case-insensitive and cannot use a B-tree index; a range can. SQLite compares text by bytes,
    # so every string starting with the prefix sorts below prefix + the largest code point.
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\U0010ffff"})


def enterprise_list(
    *,
    user: Any,
    q: str = "",
    township: int | Model | None = None,
    park: int | Model | None = None,
    chain: int | Model | None = None,
    qualification: int | Model | None = None,
    scale: str = "",
    four_up_category: str = "",
    credit: str = "",
    industry_code: str = "",
) -> QuerySet[Enterprise]:
    """Enterprises `user` may see, matching the search and filters, newest first.

    `four_up_category` takes a category, "any" (every 四上 enterprise) or "none" (非四上). `credit` takes
    "flagged" (either credit flag), "dishonest", "abnormal" or "clean" (neither). `industry_code` is a prefix.
    """
    qs = _search(enterprise_visible_to(user), q or "")
    if (township_id := _pk(township)) is not None:
        qs = qs.filter(township_id=township_id)
    if (park_id := _pk(park)) is not None:
        qs = qs.filter(park_id=park_id)
    if (chain_id := _pk(chain)) is not None:
        # One row per (enterprise, chain) in the link table, so the join cannot duplicate enterprises.
        qs = qs.filter(industry_chains=chain_id)
    if (qualification_id := _pk(qualification)) is not None:
        qs = qs.filter(qualification_links__qualification_id=qualification_id)
    if scale:
        qs = qs.filter(scale=scale)
    if four_up_category == FOUR_UP_NONE:
        qs = qs.filter(four_up_category=FourUpCategory.NONE)
    elif four_up_category == FOUR_UP_ANY:
        qs = qs.exclude(four_up_category=FourUpCategory.NONE)
    elif four_up_category:
        qs = qs.filter(four_up_category=four_up_category)
    if credit == CreditFilter.FLAGGED:
        qs = qs.filter(Q(is_dishonest_executee=True) | Q(is_abnormal_operation=True))
    elif credit == CreditFilter.DISHONEST:
        qs = qs.filter(is_dishonest_executee=True)
    elif credit == CreditFilter.ABNORMAL:
        qs = qs.filter(is_abnormal_operation=True)
    elif credit == CreditFilter.CLEAN:
        qs = qs.filter(is_dishonest_executee=False, is_abnormal_operation=False)
    if industry_code:
        qs = qs.filter(industry_code__startswith=industry_code.strip().upper())
    return qs.select_related("township", "park").order_by("-id")


def enterprise_filtered(*, user: Any, filters: EnterpriseFilters) -> QuerySet[Enterprise]:
    return enterprise_list(user=user, **filters.as_kwargs())


# ---------------------------------------------------------------------------------------------------------------
# Counting and paging
# ---------------------------------------------------------------------------------------------------------------


def _table_row_estimate() -> int | None:
    """PostgreSQL's statistics estimate of the table size, or None (other databases, never analysed)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [Enterprise._meta.db_table])
        row = cursor.fetchone()
    if row is None or row[0] is None or row[0] < 0:
        return None
    return int(row[0])


def enterprise_count(*, user: Any, filters: EnterpriseFilters, queryset: QuerySet[Enterprise]) -> tuple[int, bool]:
    """(count, is_estimate). Exact, except for the whole unfiltered registry of a large PostgreSQL table, where an
    exact COUNT(*) would scan a million rows on every page view to print one number."""
    if filters.is_empty() and not user.is_enterprise_user and user.has_cap(Cap.VIEW_ENTERPRISE_REGISTRY):
        estimate = _table_row_estimate()
        if estimate is not None and estimate >= COUNT_ESTIMATE_THRESHOLD:
            return estimate, True
    return queryset.count(), False


@dataclass(frozen=True)
class EnterprisePage:
    page: Page
    count: int
    count_is_estimate: bool


def enterprise_page(*, user: Any, filters: EnterpriseFilters, page: Any = 1, per_page: int = 50) -> EnterprisePage:
    """One page of the registry list for the web page (an out-of-range page number shows the last page)."""
    qs = enterprise_filtered(user=user, filters=filters).prefetch_related("industry_chains")
    count, is_estimate = enterprise_count(user=user, filters=filters, queryset=qs)
    paginator = Paginator(qs, per_page)
    paginator.__dict__["count"] = count  # Paginator.count is a cached_property: reuse the count computed above
    return EnterprisePage(page=paginator.get_page(page), count=count, count_is_estimate=is_estimate)


def enterprise_slice(
    *, user: Any, filters: EnterpriseFilters, page: int, page_size: int
) -> tuple[list[Enterprise], int, bool]:
    """One page for the API: (items, count, is_estimate); a page past the end is empty rather than the last one."""
    qs = enterprise_filtered(user=user, filters=filters)
    count, is_estimate = enterprise_count(user=user, filters=filters, queryset=qs)
    start = (page - 1) * page_size
    items = list(qs.prefetch_related("industry_chains")[start : start + page_size])
    return items, count, is_estimate


# ---------------------------------------------------------------------------------------------------------------
# The profile (企业画像)
# ---------------------------------------------------------------------------------------------------------------


def mask_fact_value(key: str, value: Any) -> Any:
    """A fact value safe to show to anyone who may see the enterprise."""
    if key in PERSONAL_FACT_KEYS and value:
        return mask_phone(str(value))
    return value


def fact_value_text(key: str, value: Any) -> str:
    """A fact value as the profile shows it: labels for codes, 是/否 for flags, 、 between tags. Masked."""
    value = mask_fact_value(key, value)
    if value is None or value == "":
        return "—"
    spec = FACTS.get(key)
    if key == "scale" and value in Scale.values:
        return str(Scale(value).label)
    if key == "four_up_category" and value in FourUpCategory.values:
        return str(FourUpCategory(value).label)
    if spec is not None and spec.type == "boolean":
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    if spec is not None and spec.type == "decimal":
        value = _decimal_display(value)
    if spec is not None and spec.unit:
        return f"{value} {spec.unit}"
    return str(value)


def _decimal_display(value: Any) -> str:
    """ "1494.0000" → "1494", "1718.10" → "1718.1"; anything unparsable as it is."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


@dataclass(frozen=True)
class FactRow:
    key: str
    label: str
    year: int | None
    value: Any
    display: str
    source: str
    as_of: date
    recorded_at: Any


def enterprise_facts(enterprise: Enterprise) -> list[FactRow]:
    """Every recorded fact with its provenance: yearly figures first (by fact, newest year first), then the rest."""
    order = {key: index for index, key in enumerate(FACTS)}
    facts = sorted(
        EnterpriseFact.objects.filter(enterprise=enterprise),
        key=lambda f: (f.year is None, order.get(f.key, len(order)), f.key, -(f.year or 0)),
    )
    return [
        FactRow(
            key=f.key,
            label=FACTS[f.key].label if f.key in FACTS else f.key,
            year=f.year,
            value=mask_fact_value(f.key, f.value),
            display=fact_value_text(f.key, f.value),
            source=f.source,
            as_of=f.as_of,
            recorded_at=f.recorded_at,
        )
        for f in facts
    ]


@dataclass(frozen=True)
class ChangeRow:
    label: str
    before: str
    after: str
    year: int | None


def event_changes(event: EnterpriseEvent) -> list[ChangeRow]:
    """The changes of one timeline entry, labelled and with personal data masked."""
    rows = []
    for key, change in (event.changes or {}).items():
        base_key = key.split("@")[0]
        if not isinstance(change, dict):
            continue
        rows.append(
            ChangeRow(
                label=FACTS[base_key].label if base_key in FACTS else base_key,
                before=fact_value_text(base_key, change["from"]) if change.get("from") not in (None, "") else "",
                after=fact_value_text(base_key, change.get("to")),
                year=change.get("year"),
            )
        )
    return rows


@dataclass(frozen=True)
class TimelineEntry:
    event: EnterpriseEvent
    changes: list[ChangeRow]


@dataclass(frozen=True)
class EnterpriseProfile:
    enterprise: Enterprise
    chains: list[Any]
    qualifications: list[EnterpriseQualification]
    yearly_facts: list[FactRow]
    other_facts: list[FactRow]
    timeline: list[TimelineEntry]
    timeline_truncated: bool


TIMELINE_LIMIT = 100


def enterprise_profile(enterprise: Enterprise) -> EnterpriseProfile:
    facts = enterprise_facts(enterprise)
    events = list(
        EnterpriseEvent.objects.filter(enterprise=enterprise)
        .select_related("actor")
        .order_by("-created_at", "-id")[: TIMELINE_LIMIT + 1]
    )
    return EnterpriseProfile(
        enterprise=enterprise,
        chains=list(enterprise.industry_chains.all()),
        qualifications=list(
            enterprise.qualification_links.select_related("qualification").order_by(
                "qualification__sort_order", "qualification_id"
            )
        ),
        yearly_facts=[f for f in facts if f.year is not None],
        other_facts=[f for f in facts if f.year is None],
        timeline=[TimelineEntry(event=e, changes=event_changes(e)) for e in events[:TIMELINE_LIMIT]],
        timeline_truncated=len(events) > TIMELINE_LIMIT,
    )


def enterprise_find_by_uscc(uscc: str) -> Enterprise | None:
    """For the duplicate check of the create form (the caller may see the whole registry)."""
    return Enterprise.objects.filter(uscc=uscc).only("pk", "name", "uscc").first()
