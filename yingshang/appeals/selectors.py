"""企业诉求 reads: who sees which appeal, the 红黄绿 colour, the 台账 ledger, the timeline and the inboxes.

Visibility (object level): an enterprise user sees its own enterprise's appeals; department staff see appeals with
a live assignment (pending or signed) to their department; the office (Cap.DISPATCH_APPEALS) and leaders
(Cap.VIEW_APPEAL_STATS) see all; a liaison (Cap.RECORD_APPEALS only) sees what they recorded. Everyone else: none.
A 保密 appeal's content is shown only to its handling chain (`can_see_content`); others see the number and state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.http import Http404

from yingshang.accounts.roles import Cap, Role

from .events import today as local_today
from .models import (
    FINISHED_STATES,
    OPEN_STATES,
    Appeal,
    AppealCategory,
    AppealEvent,
    AppealState,
    Assignment,
    AssignmentState,
    Colour,
    Extension,
    RequestState,
    Supervision,
    Suspension,
)

LIVE_ASSIGNMENT = (AssignmentState.PENDING, AssignmentState.SIGNED)
CONFIDENTIAL_TITLE = "【保密诉求】内容仅对办理人员可见"


def _active(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def sees_all_appeals(user: Any) -> bool:
    return _active(user) and (user.has_cap(Cap.DISPATCH_APPEALS) or user.has_cap(Cap.VIEW_APPEAL_STATS))


def can_use_appeals(user: Any) -> bool:
    """Whether the role has any business with appeals at all (the three administrators do not)."""
    if not _active(user):
        return False
    return user.role == Role.ENTERPRISE or any(
        user.has_cap(c) for c in (Cap.RECORD_APPEALS, Cap.DISPATCH_APPEALS, Cap.HANDLE_APPEALS, Cap.VIEW_APPEAL_STATS)
    )


def appeal_visible_to(user: Any) -> QuerySet[Appeal]:
    qs = Appeal.objects.all()
    if not _active(user):
        return qs.none()
    if user.role == Role.ENTERPRISE:
        return qs.filter(enterprise_id=user.enterprise_id) if user.enterprise_id else qs.none()
    if sees_all_appeals(user):
        return qs
    conditions = Q(pk__in=[])
    if user.has_cap(Cap.HANDLE_APPEALS) and user.department_id:
        conditions |= Q(
            Exists(
                Assignment.objects.filter(
                    appeal=OuterRef("pk"), department_id=user.department_id, state__in=LIVE_ASSIGNMENT
                )
            )
        )
    if user.has_cap(Cap.RECORD_APPEALS):
        conditions |= Q(filed_by=user)
    return qs.filter(conditions)


def in_handling_chain(user: Any, appeal: Appeal) -> bool:
    """The enterprise itself, the office, the person who recorded it and the departments it is assigned to."""
    if not _active(user):
        return False
    if user.role == Role.ENTERPRISE:
        return appeal.enterprise_id is not None and appeal.enterprise_id == user.enterprise_id
    if user.has_cap(Cap.DISPATCH_APPEALS) or appeal.filed_by_id == user.pk:
        return True
    return bool(
        user.department_id
        and user.has_cap(Cap.HANDLE_APPEALS)
        and appeal.assignments.filter(department_id=user.department_id, state__in=LIVE_ASSIGNMENT).exists()
    )


def can_see_content(user: Any, appeal: Appeal) -> bool:
    return not appeal.confidential or in_handling_chain(user, appeal)


def appeal_get_for(user: Any, pk: int) -> Appeal:
    """The appeal if `user` may see it; Http404 otherwise (its existence does not leak)."""
    appeal = (
        appeal_visible_to(user)
        .select_related("category", "enterprise", "enterprise__township", "lead_department", "meeting", "merged_into")
        .filter(pk=pk)
        .first()
    )
    if appeal is None:
        raise Http404("未找到该诉求")
    return appeal


def appeal_find_by_number(user: Any, number: str) -> Appeal | None:
    return appeal_visible_to(user).filter(number=number).first()


# ---- colour ---------------------------------------------------------------------------------------------------


# Non-finished states: the department's clock still runs (or is stopped by a suspension, with a NULL deadline).
RUNNING_STATES = tuple(state for state in AppealState if state not in FINISHED_STATES)


def colour_condition(colour: str, day: date | None = None, *, prefix: str = "") -> Q:
    """The rows of one colour as a plain condition on stored columns, so the database can filter and count them
    through its indexes (a CASE expression hides the columns from the planner).

    Finished appeals keep the colour of how they finished (red when the reply came after the deadline); otherwise
    red past the deadline, yellow from `yellow_from` to the deadline, green before it or without a deadline (a
    stopped clock). Each condition is written positively, so NULLs never drop a row: the three are disjoint and
    together cover every appeal (the ledger tests check both against `colour_of`).
    """
    day = day or local_today()

    def q(**kwargs: Any) -> Q:
        return Q(**{f"{prefix}{key}": value for key, value in kwargs.items()})

    if colour == Colour.RED:
        return q(state__in=FINISHED_STATES, finished_late=True) | q(state__in=RUNNING_STATES, deadline__lt=day)
    if colour == Colour.YELLOW:
        return q(state__in=RUNNING_STATES, deadline__gte=day, yellow_from__lte=day)
    if colour == Colour.GREEN:
        return (
            q(state__in=FINISHED_STATES, finished_late=False)
            | q(state__in=RUNNING_STATES, deadline__isnull=True)
            | (q(state__in=RUNNING_STATES, deadline__gte=day) & (q(yellow_from__isnull=True) | q(yellow_from__gt=day)))
        )
    return q(pk__in=[])  # not a colour: nothing, as comparing the CASE column with it would give


def colour_expression(day: date | None = None, *, prefix: str = "") -> Case:
    """红黄绿 from the stored deadlines and today's date, evaluated by the database (filterable, never stale).

    Built from `colour_condition`, so the column, the colour filter and the counts cannot disagree. `prefix`
    ("appeal__") evaluates it from a related model.
    """
    day = day or local_today()
    return Case(
        When(colour_condition(Colour.RED, day, prefix=prefix), then=Value(Colour.RED.value)),
        When(colour_condition(Colour.YELLOW, day, prefix=prefix), then=Value(Colour.YELLOW.value)),
        default=Value(Colour.GREEN.value),
        output_field=CharField(),
    )


def with_colour(qs: QuerySet[Appeal], day: date | None = None) -> QuerySet[Appeal]:
    return qs.annotate(colour=colour_expression(day))


def colour_of(appeal: Appeal, day: date | None = None) -> str:
    """`colour_expression` evaluated in Python for an appeal already in memory (e.g. the one just filed), so the
    caller need not read it back. Keep the two in step: a test compares them."""
    day = day or local_today()
    if appeal.state in FINISHED_STATES:
        return Colour.RED.value if appeal.finished_late else Colour.GREEN.value
    if appeal.deadline is None:
        return Colour.GREEN.value
    if appeal.deadline < day:
        return Colour.RED.value
    if appeal.yellow_from is not None and appeal.yellow_from <= day:
        return Colour.YELLOW.value
    return Colour.GREEN.value


def appeal_colour(appeal: Appeal, day: date | None = None) -> str:
    value = with_colour(Appeal.objects.filter(pk=appeal.pk), day).values_list("colour", flat=True).first()  # type: ignore[misc]
    return value or Colour.GREEN.value


# ---- ledger ---------------------------------------------------------------------------------------------------


# Ledger state choices beyond the real states: 在办 (every open state; the page's default, so the everyday view reads
# a bounded set however many closed appeals pile up) and an explicit 全部.
LEDGER_OPEN = "open"
LEDGER_ALL = "all"


@dataclass(frozen=True)
class LedgerFilters:
    department_id: int | None = None
    state: str = ""  # an AppealState value, LEDGER_OPEN, or "" / LEDGER_ALL for everything
    colour: str = ""
    channel: str = ""
    category_id: int | None = None
    township_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    include_merged: bool = False
    excluded: str = ""  # "", "yes", "no"
    extra: dict[str, Any] = field(default_factory=dict)


def _category_ids(category_id: int) -> list[int]:
    """A category and all its descendants (the tree is small)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in AppealCategory.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, stack = [], [category_id]
    while stack:
        node = stack.pop()
        if node in found:
            continue
        found.append(node)
        stack.extend(children.get(node, []))
    return found


def appeal_ledger(*, user: Any, filters: LedgerFilters, day: date | None = None) -> QuerySet[Appeal]:
    """The 台账: visible appeals with their colour, filtered; newest first."""
    day = day or local_today()
    qs = with_colour(appeal_visible_to(user), day).select_related(
        "category", "enterprise", "enterprise__township", "lead_department"
    )
    if not filters.include_merged and filters.state != AppealState.MERGED:
        qs = qs.exclude(state=AppealState.MERGED)
    if filters.department_id:
        qs = qs.filter(lead_department_id=filters.department_id)
    if filters.state == LEDGER_OPEN:
        qs = qs.filter(state__in=OPEN_STATES)
    elif filters.state and filters.state != LEDGER_ALL:
        qs = qs.filter(state=filters.state)
    if filters.colour:
        qs = qs.filter(colour_condition(filters.colour, day))
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.category_id:
        qs = qs.filter(category_id__in=_category_ids(filters.category_id))
    if filters.township_id:
        qs = qs.filter(enterprise__township_id=filters.township_id)
    if filters.date_from:
        qs = qs.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(created_at__date__lte=filters.date_to)
    if filters.excluded == "yes":
        qs = qs.filter(excluded=True)
    elif filters.excluded == "no":
        qs = qs.filter(excluded=False)
    if filters.q.strip():
        text = filters.q.strip()
        qs = qs.filter(
            Q(number__icontains=text)
            | Q(enterprise_name__icontains=text)
            | (Q(title__icontains=text) & Q(confidential=False))
        )
    return qs.order_by("-created_at", "-id")


def colour_counts(qs: QuerySet[Appeal], day: date | None = None) -> dict[str, int]:
    """The 红黄绿 split of `qs` (evaluated on `day`, default today) and its size under "total", in one query.

    Grouped by state, with plain conditional counts per state, then combined here by the rules of
    `colour_condition`: a finished state is red when finished late, a running one red past its deadline and yellow
    from `yellow_from` to it; the rest is green. Grouping on the state (the leading column of the ledger indexes) and
    testing only a boolean and two dates per row is about twice as fast on PostgreSQL as evaluating the colour
    conditions, with their state lists, for every row; the ledger tests compare the result with `colour_of`.
    """
    day = day or local_today()
    # Counting the (NOT NULL) state rather than the id lets the colour indexes, which hold no id, answer alone.
    rows = (
        qs.order_by()
        .values("state")
        .annotate(
            n=Count("state"),
            late=Count("state", filter=Q(finished_late=True)),
            past=Count("state", filter=Q(deadline__lt=day)),
            yellow=Count("state", filter=Q(deadline__gte=day, yellow_from__lte=day)),
        )
    )
    total = red = yellow = 0
    for row in rows:
        total += row["n"]
        if row["state"] in FINISHED_STATES:
            red += row["late"]
        else:
            red += row["past"]
            yellow += row["yellow"]
    return {
        Colour.RED.value: red,
        Colour.YELLOW.value: yellow,
        Colour.GREEN.value: total - red - yellow,
        "total": total,
    }


# ---- timeline, inboxes ----------------------------------------------------------------------------------------


def appeal_timeline(appeal: Appeal, *, user: Any) -> list[AppealEvent]:
    """Every event for staff in the handling chain; without internal events for the enterprise and outsiders."""
    events = appeal.events.select_related("actor").order_by("at", "id")
    if user.role == Role.ENTERPRISE or not in_handling_chain(user, appeal):
        events = events.filter(internal=False)
    return list(events)


def department_inbox(user: Any, *, state: str = "") -> QuerySet[Assignment]:
    """Live assignments of the user's department (what it must sign or handle), with the appeal's colour."""
    if not (_active(user) and user.has_cap(Cap.HANDLE_APPEALS) and user.department_id):
        return Assignment.objects.none()
    qs = (
        Assignment.objects.filter(department_id=user.department_id, state__in=LIVE_ASSIGNMENT)
        .select_related("appeal", "appeal__category", "appeal__enterprise")
        .annotate(colour=colour_expression(prefix="appeal__"))
    )
    if state:
        qs = qs.filter(appeal__state=state)
    return qs.order_by("appeal__deadline", "-dispatched_at")


def pending_requests() -> dict[str, QuerySet[Any]]:
    """What waits for the office: extension and suspension requests, unanswered 督办."""
    return {
        "extensions": Extension.objects.filter(state=RequestState.PENDING).select_related("appeal", "requested_by"),
        "suspensions": Suspension.objects.filter(state=RequestState.PENDING).select_related("appeal", "requested_by"),
        "supervisions": Supervision.objects.filter(replied_at__isnull=True).select_related(
            "appeal", "appeal__lead_department"
        ),
    }


def category_tree() -> list[tuple[AppealCategory, int]]:
    """Categories depth-first with their depth, for selects and the category page."""
    categories = list(
        AppealCategory.objects.select_related("parent", "default_department").order_by("sort_order", "id")
    )
    children: dict[int | None, list[AppealCategory]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    result: list[tuple[AppealCategory, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for node in children.get(parent, []):
            result.append((node, depth))
            walk(node.pk, depth + 1)

    walk(None, 0)
    return result


def appeal_public_status(appeal: Appeal) -> tuple[str, str]:
    """("open" | "closed", notes) as an outside party may see them (Open311 status / status_notes): closed once the
    appeal is 已办结 or merged; the notes are the latest event not marked internal."""
    latest = appeal.events.filter(internal=False).order_by("-at", "-id").first()
    status = "closed" if appeal.state in (AppealState.CLOSED, AppealState.MERGED) else "open"
    return status, latest.title if latest is not None else appeal.get_state_display()
