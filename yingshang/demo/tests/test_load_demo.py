"""`make run` loads the demo district; loading it again changes nothing, and every demo login works."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from yingshang.accounts.models import User
from yingshang.accounts.roles import Role
from yingshang.core.models import CalendarDay
from yingshang.demo import data
from yingshang.demo.services import demo_load
from yingshang.enterprises.models import Enterprise, EnterpriseFact
from yingshang.enterprises.validators import normalize_uscc

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in {"accounts", "core", "enterprises"}
    }


def test_loading_the_demo_twice_changes_nothing():
    demo_load(enterprise_count=30)
    first = _row_counts()
    updated = {c.date: c.updated_at for c in CalendarDay.objects.all()}

    summary = demo_load(enterprise_count=30)

    assert (summary.departments_created, summary.enterprises_created, summary.users_created) == (0, 0, 0)
    assert _row_counts() == first
    assert {c.date: c.updated_at for c in CalendarDay.objects.all()} == updated


def test_the_demo_has_one_account_per_role_and_every_login_works():
    demo_load(enterprise_count=5)
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == {r.value for r in Role}
    for username, *_ in data.ACCOUNTS:
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request, username=username, password=data.DEMO_PASSWORD) is not None, username


def test_demo_enterprises_have_valid_codes_and_cover_the_four_chains_with_yearly_figures():
    demo_load(enterprise_count=40)
    enterprises = list(Enterprise.objects.prefetch_related("industry_chains"))
    assert len(enterprises) == 40
    assert all(normalize_uscc(e.uscc) == e.uscc for e in enterprises)
    chains = {c.name for e in enterprises for c in e.industry_chains.all()}
    assert {"装备制造", "医药化工", "轻工食品", "电力电子"} <= chains
    revenue_years = set(EnterpriseFact.objects.filter(key="annual_revenue").values_list("year", flat=True))
    assert revenue_years == {2024, 2025}


def test_the_demo_is_refused_outside_debug_mode(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="演示"):
        call_command("load_demo", "--enterprises", "1")
