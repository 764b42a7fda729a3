"""The 台账's 红黄绿 counts, colour filter and row total agree with the colour computed row by row (`colour_of`), for
every filter combination over a mixed set: every state, finished late or not, suspended and other clocks without a
deadline, merged appeals, deadlines and yellow days on every side of today."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from yingshang.accounts.tests.factories import DepartmentFactory
from yingshang.appeals.models import OPEN_STATES, Appeal, AppealState, Assignment, AssignmentState, Channel, Colour
from yingshang.appeals.selectors import (
    LEDGER_ALL,
    LEDGER_OPEN,
    LedgerFilters,
    appeal_ledger,
    colour_counts,
    colour_of,
)
from yingshang.appeals.tests.factories import AppealCategoryFactory, office_user, staff_of

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 10)
DEADLINES = [None, DAY - timedelta(days=3), DAY - timedelta(days=1), DAY, DAY + timedelta(days=1), DAY + timedelta(8)]
YELLOW_DAYS = [None, DAY - timedelta(days=2), DAY, DAY + timedelta(days=2)]


@pytest.fixture
def mixed_ledger(department_jingxin):
    """384 appeals: every state x finished late or not x six deadlines x four yellow days, spread over two lead
    departments (and none), with a live assignment to 经信局 on every third one and a returned one on others."""
    other = DepartmentFactory.create(name="商务局", code="SWJ-T")
    category = AppealCategoryFactory.create()
    leads = [department_jingxin, other, None]
    rows = []
    combos = itertools.product(AppealState, [False, True], DEADLINES, YELLOW_DAYS)
    for i, (state, late, deadline, yellow_from) in enumerate(combos):
        rows.append(
            Appeal(
                number=f"SQ2026-{i:06d}",
                enterprise_name=f"测试企业{i}",
                category=category,
                title=f"诉求{i}",
                description="混合数据",
                channel=[Channel.WEB, Channel.PHONE][i % 2],
                state=state,
                finished_late=late,
                deadline=deadline,
                yellow_from=yellow_from,
                suspended_since=DAY - timedelta(days=4) if state == AppealState.SUSPENDED else None,
                lead_department=leads[i % 3],
                created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=i),
            )
        )
    appeals = Appeal.objects.bulk_create(rows)
    office = office_user()
    live_states = [AssignmentState.PENDING, AssignmentState.SIGNED]
    Assignment.objects.bulk_create(
        Assignment(
            appeal=appeal,
            department=department_jingxin,
            role="lead",
            state=live_states[i % 2] if i % 3 == 0 else AssignmentState.RETURNED,
            dispatched_at=appeal.created_at,
            dispatched_by=office,
            sign_deadline=DAY,
        )
        for i, appeal in enumerate(appeals)
        if i % 3 == 0 or i % 5 == 0
    )
    return {"office": office, "staff": staff_of(department_jingxin), "departments": [department_jingxin, other]}


def test_the_mixed_set_holds_every_colour_and_the_awkward_cases(mixed_ledger):
    everything = list(Appeal.objects.all())
    colours = Counter(colour_of(a, DAY) for a in everything)
    assert all(colours[c] > 0 for c in Colour.values)
    assert any(a.state == AppealState.SUSPENDED and a.deadline is None for a in everything)
    assert any(a.state == AppealState.MERGED and a.finished_late for a in everything)
    assert any(a.state == AppealState.REPLIED and a.finished_late for a in everything)


def _filter_combinations(mixed_ledger):
    states = ["", LEDGER_OPEN, LEDGER_ALL, *AppealState.values]
    departments = [None, *(d.pk for d in mixed_ledger["departments"])]
    for user_key, state, department_id, include_merged in itertools.product(
        ["office", "staff"], states, departments, [False, True]
    ):
        yield (
            mixed_ledger[user_key],
            LedgerFilters(state=state, department_id=department_id, include_merged=include_merged),
        )


def test_the_counts_match_the_colour_of_every_row_for_every_filter(mixed_ledger):
    checked = 0
    for user, filters in _filter_combinations(mixed_ledger):
        rows = list(appeal_ledger(user=user, filters=filters, day=DAY))
        expected = Counter(colour_of(a, DAY) for a in rows)
        counts = colour_counts(appeal_ledger(user=user, filters=filters, day=DAY), DAY)
        assert counts == {**{c: expected[c] for c in Colour.values}, "total": len(rows)}, filters
        # The colour column shown on each row says the same.
        assert all(a.colour == colour_of(a, DAY) for a in rows), filters  # type: ignore[attr-defined]
        checked += len(rows)
    assert checked > 1000  # the combinations did list rows, not only empty sets


def test_the_colour_filter_lists_exactly_the_rows_of_that_colour(mixed_ledger):
    for user, filters in _filter_combinations(mixed_ledger):
        rows = list(appeal_ledger(user=user, filters=filters, day=DAY))
        for colour in Colour.values:
            listed = appeal_ledger(user=user, filters=replace(filters, colour=colour), day=DAY)
            assert sorted(a.pk for a in listed) == sorted(a.pk for a in rows if colour_of(a, DAY) == colour), (
                filters,
                colour,
            )


def test_the_counts_equal_grouping_on_the_colour_column(mixed_ledger):
    """The former way of counting (GROUP BY the CASE column) and the conditional counts agree."""
    qs = appeal_ledger(user=mixed_ledger["office"], filters=LedgerFilters(state=LEDGER_ALL), day=DAY)
    by_colour = qs.order_by().values("colour").annotate(n=Count("id"))  # type: ignore[misc]  # the annotation
    grouped = {row["colour"]: row["n"] for row in by_colour}
    counts = colour_counts(qs, DAY)
    assert {c: counts[c] for c in Colour.values} == {c: grouped.get(c, 0) for c in Colour.values}


def test_an_unknown_colour_lists_nothing(mixed_ledger):
    assert not appeal_ledger(user=mixed_ledger["office"], filters=LedgerFilters(colour="purple"), day=DAY).exists()


def _get_on_day(client, params=None):
    """The page as it looks on DAY (the URLconf is loaded first: its API schema must not see a frozen clock)."""
    url = reverse("appeals:ledger")
    with freeze_time("2026-11-10 02:00:00"):
        return client.get(url, params or {})


def test_the_page_shows_the_counts_and_takes_its_total_from_them(mixed_ledger, client_as):
    client = client_as(mixed_ledger["office"])
    open_rows = list(appeal_ledger(user=mixed_ledger["office"], filters=LedgerFilters(state=LEDGER_OPEN), day=DAY))
    expected = Counter(colour_of(a, DAY) for a in open_rows)
    with CaptureQueriesContext(connection) as queries:
        response = _get_on_day(client)
    page = response.content.decode()
    assert f'data-testid="count-red">红 {expected["red"]}<' in page
    assert f'data-testid="count-yellow">黄 {expected["yellow"]}<' in page
    assert f'data-testid="count-green">绿 {expected["green"]}<' in page
    assert response.context["page"].paginator.count == len(open_rows)
    assert f"共 {len(open_rows)} 条" in page
    appeal_table = Appeal._meta.db_table
    counting = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper() and appeal_table in q["sql"]]
    assert len(counting) == 1, counting  # the counts, and no separate count(*) for the paginator

    red = _get_on_day(client, {"colour": "red"})
    assert red.context["page"].paginator.count == expected["red"]
    assert {a.pk for a in red.context["page"].object_list} <= {a.pk for a in open_rows if colour_of(a, DAY) == "red"}
    assert f'data-testid="count-green">绿 {expected["green"]}<' in red.content.decode()


def test_a_department_page_counts_only_what_is_assigned_to_it(mixed_ledger, client_as, department_jingxin):
    staff = mixed_ledger["staff"]
    response = _get_on_day(client_as(staff), {"state": "handling", "department": department_jingxin.pk})
    visible = [
        a
        for a in Appeal.objects.filter(state=AppealState.HANDLING, lead_department=department_jingxin)
        if a.assignments.filter(department=department_jingxin, state__in=["pending", "signed"]).exists()
    ]
    assert visible, "the data set has such appeals"
    counts = response.context["counts"]
    assert counts["total"] == len(visible) == response.context["page"].paginator.count
    assert counts["red"] == sum(colour_of(a, DAY) == "red" for a in visible)
    assert counts["yellow"] == sum(colour_of(a, DAY) == "yellow" for a in visible)
    assert response.context["page"].object_list and all(
        a.pk in {v.pk for v in visible} for a in response.context["page"].object_list
    )


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"state": "all", "colour": "red", "q": '用电 <增容> & "扩容"'},
        {"state": "closed", "department": "__department__", "township": "__township__", "category": "__category__"},
        {"state": "no-such-state", "date_from": "not a date", "excluded": "yes"},
    ],
)
def test_the_filter_bar_renderer_writes_what_the_django_templates_write(data, department_jingxin):
    from django.forms.renderers import DjangoTemplates

    from yingshang.appeals.forms import LedgerFilterForm
    from yingshang.appeals.views_office import _FILTER_RENDERER
    from yingshang.enterprises.tests.factories import TownshipFactory

    township = TownshipFactory.create(name='石桥驿镇 <"老街"> & 新区')
    category = AppealCategoryFactory.create(name="用地 & 用能 <'电'>")
    DepartmentFactory.create(name='经济"信息化"局 <二>')
    ids = {"__department__": department_jingxin.pk, "__township__": township.pk, "__category__": category.pk}
    bound = {key: ids.get(value, value) for key, value in data.items()} if data is not None else None

    def rendered(renderer):
        form = LedgerFilterForm(bound, renderer=renderer)
        form.is_valid()  # errors mark the fields invalid, which the widgets show
        return [str(field) for field in form]

    plain, fast = rendered(DjangoTemplates()), rendered(_FILTER_RENDERER)
    assert fast == plain
    assert any("<option" in html for html in fast) and "&lt;&quot;老街&quot;&gt; &amp; 新区" in "".join(fast)


def test_the_open_ledger_index_covers_only_open_appeals():
    """The 在办 counts are answered from this index alone on PostgreSQL; it holds every column they read."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Appeal._meta.db_table)["appeal_open_ledger"]
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'appeal_open_ledger'")
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'appeal_open_ledger'")
        sql = str(cursor.fetchone()[0]).lower()
    assert found["columns"] == ["state", "lead_department_id", "deadline", "yellow_from", "finished_late", "id"]
    assert "where" in sql and all(f"'{state}'" in sql for state in OPEN_STATES)
    assert "'closed'" not in sql and "'merged'" not in sql
