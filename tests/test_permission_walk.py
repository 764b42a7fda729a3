"""Every URL of the platform, requested as every role, as another enterprise and anonymously.

The table below declares who may open each URL; the walk fails when a URL exists that the table does not declare
(so a new page cannot be added without deciding who may see it), when an allowed user is refused, and when anyone
else gets anything but 403/404 (or, anonymously, the login page).

Feature apps declare their own URLs in `yingshang/<app>/tests/permission_table.py`, which may define:
- `EXPECTED`: URL name → PUBLIC or a frozenset of actors (role values and "enterprise_admin");
- `API_EXPECTED`: (method, path) → frozenset of actors; `API_PUBLIC`: operations anonymous callers may use;
- `API_QUERY`: path → query parameters for GETs;
- `extend_world(world)`: create the app's objects (the world holds "own" and "other" enterprises, "department",
  "admin_a" (an enterprise admin of "own"), "target" (staff of "department"), ...);
- `url_kwargs(name, world, user) -> dict | None`: the kwargs to reverse one of the app's URL names;
- `api_path(path, world, enterprise) -> str`: fill the path parameters (the enterprise is "own", or "other" when
  the walk checks that another enterprise's records stay hidden);
- `api_body(method, path, world) -> dict | None`: a valid body for POST/PUT/PATCH operations.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import login
from yingshang.accounts.models import Invitation, User
from yingshang.accounts.roles import Role
from yingshang.accounts.tests.factories import DepartmentFactory, UserFactory
from yingshang.core.models import CalendarDay, Notification
from yingshang.enterprises.models import ImportJob
from yingshang.enterprises.tests.factories import EnterpriseFactory

ENTERPRISE_ADMIN = "enterprise_admin"
ACTORS = [*(r.value for r in Role), ENTERPRISE_ADMIN]
ALL = frozenset(ACTORS)
REGISTRY = frozenset({Role.DEPARTMENT_STAFF, Role.LIAISON, Role.COORDINATOR, Role.LEADER})
ENTERPRISE_USERS = frozenset({Role.ENTERPRISE, ENTERPRISE_ADMIN})

# URL name → who may use it. PUBLIC pages are open to everyone, anonymous visitors included.
PUBLIC = "public"
EXPECTED: dict[str, frozenset[str] | str] = {
    "core:home": PUBLIC,
    "core:healthz": PUBLIC,
    "accounts:login": PUBLIC,
    "accounts:otp": PUBLIC,
    "accounts:logout": PUBLIC,
    "accounts:invite_accept": PUBLIC,
    "core:inbox": ALL,
    "core:inbox_mark_read": ALL,
    "core:inbox_read_one": ALL,
    "core:inbox_open": ALL,
    "core:outbox": frozenset({Role.SYSTEM_ADMIN}),
    "core:calendar": frozenset({Role.SYSTEM_ADMIN}),
    "core:calendar_day_new": frozenset({Role.SYSTEM_ADMIN}),
    "core:calendar_day_edit": frozenset({Role.SYSTEM_ADMIN}),
    "core:calendar_day_delete": frozenset({Role.SYSTEM_ADMIN}),
    "core:calendar_year": frozenset({Role.SYSTEM_ADMIN}),
    "core:audit_log": frozenset({Role.AUDITOR}),
    "core:audit_verify": frozenset({Role.AUDITOR}),
    "core:audit_export": frozenset({Role.AUDITOR}),
    "accounts:password_change": ALL,
    "accounts:security": ALL,
    "accounts:security_otp_enable": ALL,
    "accounts:security_otp_disable": ALL,
    "accounts:team": frozenset({ENTERPRISE_ADMIN}),
    "accounts:team_invite": frozenset({ENTERPRISE_ADMIN}),
    "accounts:invitation_revoke": frozenset({ENTERPRISE_ADMIN}),
    "accounts:team_member_active": frozenset({ENTERPRISE_ADMIN}),
    "accounts:user_list": frozenset({Role.SYSTEM_ADMIN}),
    "accounts:user_create": frozenset({Role.SYSTEM_ADMIN}),
    "accounts:user_edit": frozenset({Role.SYSTEM_ADMIN}),
    "accounts:user_password_reset": frozenset({Role.SYSTEM_ADMIN}),
    "accounts:department_list": frozenset({Role.SYSTEM_ADMIN}),
    "accounts:department_create": frozenset({Role.SYSTEM_ADMIN}),
    "accounts:department_edit": frozenset({Role.SYSTEM_ADMIN}),
    "accounts:security_users": frozenset({Role.SECURITY_ADMIN}),
    "accounts:security_user_detail": frozenset({Role.SECURITY_ADMIN}),
    "accounts:security_user_role": frozenset({Role.SECURITY_ADMIN}),
    "accounts:security_user_unmask": frozenset({Role.SECURITY_ADMIN}),
    "accounts:security_user_unlock": frozenset({Role.SECURITY_ADMIN}),
    "accounts:security_user_otp_reset": frozenset({Role.SECURITY_ADMIN}),
    # Enterprise users may open the list, which then holds their own enterprise only (tested below).
    "enterprises:list": REGISTRY | ENTERPRISE_USERS,
    # Registry users are redirected to the list; the three administrators are refused.
    "enterprises:mine": ENTERPRISE_USERS | REGISTRY,
    "enterprises:detail": REGISTRY | ENTERPRISE_USERS,
    "enterprises:create": frozenset({Role.COORDINATOR}),
    "enterprises:edit": frozenset({Role.COORDINATOR}),
    "enterprises:export": frozenset({Role.COORDINATOR, Role.LEADER}),
    # Nobody in the walk holds the personal-data permission, so nobody may reveal a number.
    "enterprises:phone_reveal": frozenset(),
    "enterprises:import_list": frozenset({Role.COORDINATOR}),
    "enterprises:import_template": frozenset({Role.COORDINATOR}),
    "enterprises:import_detail": frozenset({Role.COORDINATOR}),
    "enterprises:import_progress": frozenset({Role.COORDINATOR}),
    "enterprises:import_confirm": frozenset({Role.COORDINATOR}),
    "enterprises:import_cancel": frozenset({Role.COORDINATOR}),
    "enterprises:import_errors": frozenset({Role.COORDINATOR}),
    "enterprises:import_restart": frozenset({Role.COORDINATOR}),
}


def _app_tables() -> list[ModuleType]:
    tables = []
    for config in apps.get_app_configs():
        if not config.name.startswith("yingshang."):
            continue
        try:
            tables.append(importlib.import_module(f"{config.name}.tests.permission_table"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.tests.permission_table" and exc.name != f"{config.name}.tests":
                raise
    return tables


APP_TABLES = _app_tables()
for _table in APP_TABLES:
    EXPECTED.update(getattr(_table, "EXPECTED", {}))


def _walk(patterns: list[Any], namespace: str = "") -> list[str]:
    names = []
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "api-v1" or str(p.pattern).startswith("api/"):
                continue  # the API has its own walk below
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            names += _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            names.append(f"{namespace}{p.name}")
    return names


def test_every_url_is_declared():
    discovered = set(_walk(get_resolver().url_patterns))
    discovered = {n for n in discovered if not n.startswith(("api-v1:", "django_"))}
    assert discovered - set(EXPECTED) == set(), "新 URL 需要在 EXPECTED 中声明谁可访问"
    assert set(EXPECTED) - discovered == set(), "EXPECTED 中有已删除的 URL"


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    own = EnterpriseFactory.create(name="本企业有限公司")
    other = EnterpriseFactory.create(name="别家企业有限公司")
    department = DepartmentFactory.create(name="区经济和信息化局", code="JXJ-W")
    admin_a = UserFactory.create(role=Role.ENTERPRISE, enterprise=own, is_enterprise_admin=True, username="admin_a")
    colleague = UserFactory.create(role=Role.ENTERPRISE, enterprise=own, username="colleague_a")
    coordinator = UserFactory.create(role=Role.COORDINATOR, username="import_owner")
    target = UserFactory.create(role=Role.DEPARTMENT_STAFF, department=department, username="target_staff")
    invitation = Invitation.objects.create(enterprise=own, invited_by=admin_a, full_name="新同事", phone="13800001111")
    job = ImportJob.objects.create(
        created_by=coordinator, original_name="a.xlsx", file_sha256="0" * 64, source="测试", as_of="2026-11-01"
    )
    day = CalendarDay.objects.create(date="2027-02-11", is_working_day=False, name="春节")
    result: dict[str, Any] = {
        "own": own,
        "other": other,
        "department": department,
        "admin_a": admin_a,
        "colleague": colleague,
        "target": target,
        "invitation": invitation,
        "job": job,
        "day": day,
    }
    for table in APP_TABLES:
        if hasattr(table, "extend_world"):
            table.extend_world(result)
    return result


def _actor(world: dict[str, Any], actor: str) -> User:
    if actor == ENTERPRISE_ADMIN:
        return world["admin_a"]
    if actor == Role.ENTERPRISE:
        return UserFactory.create(role=Role.ENTERPRISE, enterprise=world["own"])
    if actor == Role.DEPARTMENT_STAFF:
        return UserFactory.create(role=actor, department=world["department"])
    return UserFactory.create(role=actor)


def _url(name: str, world: dict[str, Any], user: User | None) -> str:
    kwargs: dict[str, Any] = {}
    if name in {"core:inbox_read_one", "core:inbox_open"}:
        recipient = user or world["target"]
        kwargs["pk"] = Notification.objects.create(recipient=recipient, title="测试消息", link="/").pk
    elif name in {"core:calendar_day_edit", "core:calendar_day_delete"}:
        kwargs["pk"] = world["day"].pk
    elif name == "core:calendar_year":
        kwargs["year"] = 2026
    elif name == "accounts:invitation_revoke":
        kwargs["pk"] = world["invitation"].pk
    elif name == "accounts:team_member_active":
        kwargs["pk"] = world["colleague"].pk
    elif name == "accounts:invite_accept":
        kwargs["token"] = world["invitation"].token
    elif name in {"accounts:user_edit", "accounts:user_password_reset"} or name.startswith("accounts:security_user_"):
        kwargs["pk"] = world["target"].pk
    elif name == "accounts:department_edit":
        kwargs["pk"] = world["department"].pk
    elif name in {"enterprises:detail", "enterprises:edit", "enterprises:phone_reveal"}:
        kwargs["pk"] = world["own"].pk
    elif name.startswith("enterprises:import_") and name not in {
        "enterprises:import_list",
        "enterprises:import_template",
    }:
        kwargs["pk"] = world["job"].pk
    else:
        for table in APP_TABLES:
            found = table.url_kwargs(name, world, user) if hasattr(table, "url_kwargs") else None
            if found is not None:
                kwargs = found
                break
    return reverse(name, kwargs=kwargs)


def _request(client: Client, url: str) -> Any:
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


def _allowed(response: Any) -> bool:
    """Served: a page (200), an empty submission rejected as invalid input (400, from POST-only actions), or a
    redirect that is not to the login page (e.g. back to a list after an action)."""
    if response.status_code in (200, 400):
        return True
    return response.status_code == 302 and not response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", sorted(n for n, who in EXPECTED.items() if who != PUBLIC))
def test_each_role_gets_exactly_what_the_table_allows(world, actor, name):
    user = _actor(world, actor)
    client = login(Client(), user)
    response = _request(client, _url(name, world, user))
    allowed = EXPECTED[name]
    assert isinstance(allowed, frozenset)
    if actor in allowed:
        assert _allowed(response), f"{actor} 应可访问 {name},得到 {response.status_code}"
    else:
        assert response.status_code in (403, 404), f"{actor} 不应访问 {name},得到 {response.status_code}"
        # Forms answer GET and POST: the POST side must be refused as well, not only the page.
        posted = client.post(_url(name, world, user), {})
        assert posted.status_code in (403, 404, 405), f"{actor} 不应提交 {name},得到 {posted.status_code}"


@pytest.mark.parametrize("name", sorted(n for n, who in EXPECTED.items() if who != PUBLIC))
def test_anonymous_visitors_are_sent_to_the_login_page(world, name):
    response = _request(Client(), _url(name, world, None))
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("accounts:login"))


def test_an_enterprise_cannot_open_another_enterprises_profile(world):
    client = login(Client(), world["admin_a"])
    assert client.get(reverse("enterprises:detail", args=[world["other"].pk])).status_code == 404
    assert client.get(reverse("enterprises:detail", args=[world["own"].pk])).status_code == 200


def test_an_enterprise_user_finds_only_itself_in_the_enterprise_list(world):
    client = login(Client(), world["admin_a"])
    page = client.get(reverse("enterprises:list")).content.decode()
    assert "本企业有限公司" in page
    assert "别家企业有限公司" not in page


def test_nobody_reads_another_users_inbox_message(world):
    message = Notification.objects.create(recipient=world["target"], title="他人消息")
    client = login(Client(), world["admin_a"])
    assert client.post(reverse("core:inbox_read_one", args=[message.pk])).status_code == 404
    assert client.get(reverse("core:inbox_open", args=[message.pk])).status_code == 404


def test_an_enterprise_admin_cannot_manage_another_enterprises_team(world):
    other_admin = UserFactory.create(role=Role.ENTERPRISE, enterprise=world["other"], is_enterprise_admin=True)
    client = login(Client(), other_admin)
    assert client.post(reverse("accounts:team_member_active", args=[world["colleague"].pk])).status_code == 404
    assert client.post(reverse("accounts:invitation_revoke", args=[world["invitation"].pk])).status_code == 404


# ---- The API: every operation of the OpenAPI schema, as every role ----

API_EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/api/v1/workdays/add"): ALL,
    ("GET", "/api/v1/workdays/between"): ALL,
    ("GET", "/api/v1/workdays/is-working-day"): ALL,
    ("GET", "/api/v1/accounts/me"): ALL,
    ("GET", "/api/v1/enterprises/"): REGISTRY | ENTERPRISE_USERS,
    ("POST", "/api/v1/enterprises/"): frozenset({Role.COORDINATOR}),
    ("GET", "/api/v1/enterprises/{enterprise_id}"): REGISTRY | ENTERPRISE_USERS,
    ("PATCH", "/api/v1/enterprises/{enterprise_id}"): frozenset({Role.COORDINATOR}),
    ("GET", "/api/v1/enterprises/{enterprise_id}/facts"): REGISTRY | ENTERPRISE_USERS,
    ("POST", "/api/v1/enterprises/{enterprise_id}/contact-phone/reveal"): frozenset(),
}

API_QUERY: dict[str, dict[str, str | int]] = {
    "/api/v1/workdays/add": {"start": "2026-09-30", "n": 1},
    "/api/v1/workdays/between": {"a": "2026-09-30", "b": "2026-10-09"},
    "/api/v1/workdays/is-working-day": {"date": "2026-10-10"},
}
# Operations anonymous callers may use (e.g. the public policy calculator).
API_PUBLIC: set[tuple[str, str]] = set()
for _table in APP_TABLES:
    API_EXPECTED.update(getattr(_table, "API_EXPECTED", {}))
    API_QUERY.update(getattr(_table, "API_QUERY", {}))
    API_PUBLIC.update(getattr(_table, "API_PUBLIC", set()))


def _api_operations() -> set[tuple[str, str]]:
    from config.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}


def test_every_api_operation_is_declared():
    assert _api_operations() == set(API_EXPECTED), "新 API 需要在 API_EXPECTED 中声明谁可调用"


def _api_body(method: str, path: str, world: dict[str, Any]) -> dict[str, Any] | None:
    import random

    from yingshang.enterprises.validators import generate_uscc

    if method == "POST" and path == "/api/v1/enterprises/":
        return {"uscc": generate_uscc(random.Random(7)), "name": "接口新建企业有限公司"}
    if method == "PATCH" and path.startswith("/api/v1/enterprises/"):
        return {"version": world["own"].version, "legal_representative": "王五"}
    for table in APP_TABLES:
        body = table.api_body(method, path, world) if hasattr(table, "api_body") else None
        if body is not None:
            return body
    return None


def _api_call(client: Client, method: str, path: str, world: dict[str, Any], enterprise: Any) -> Any:
    url = path.replace("{enterprise_id}", str(enterprise.pk))
    for table in APP_TABLES:
        if "{" in url and hasattr(table, "api_path"):
            url = table.api_path(url, world, enterprise)
    body = _api_body(method, path, world)
    if method == "GET":
        return client.get(url, API_QUERY.get(path, {}))
    return client.generic(method, url, data=json_dumps(body or {}), content_type="application/json")


def json_dumps(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("operation", sorted(API_EXPECTED))
def test_each_role_gets_exactly_what_the_api_allows(world, actor, operation):
    method, path = operation
    client = login(Client(), _actor(world, actor))
    response = _api_call(client, method, path, world, world["own"])
    if actor in API_EXPECTED[operation]:
        assert response.status_code in (200, 201), f"{actor} 应可调用 {method} {path}: {response.content[:200]!r}"
    else:
        assert response.status_code in (403, 404), f"{actor} 不应调用 {method} {path},得到 {response.status_code}"


@pytest.mark.parametrize("operation", sorted(set(API_EXPECTED) - API_PUBLIC))
def test_the_api_refuses_anonymous_callers(world, operation):
    method, path = operation
    response = _api_call(Client(), method, path, world, world["own"])
    assert response.status_code == 401


@pytest.mark.parametrize("operation", sorted(API_PUBLIC))
def test_public_api_operations_answer_anonymous_callers(world, operation):
    method, path = operation
    response = _api_call(Client(), method, path, world, world["own"])
    assert response.status_code in (200, 201), f"匿名调用 {method} {path} 应成功: {response.content[:200]!r}"


@pytest.mark.parametrize(
    "operation",
    sorted(op for op in API_EXPECTED if "{enterprise_id}" in op[1] and ENTERPRISE_ADMIN in API_EXPECTED[op]),
)
def test_the_api_hides_another_enterprise_from_an_enterprise_user(world, operation):
    method, path = operation
    client = login(Client(), world["admin_a"])
    assert _api_call(client, method, path, world, world["other"]).status_code == 404
