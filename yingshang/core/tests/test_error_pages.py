"""Error pages in Chinese, with the reason a permission was refused and a way back home."""

from __future__ import annotations

import pytest
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.template.loader import get_template
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from yingshang.accounts.roles import Role


def _suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("bad")


def _crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


urlpatterns = [
    *project_urlpatterns,
    path("__test__/suspicious/", _suspicious),
    path("__test__/crash/", _crash),
]


@pytest.mark.django_db
def test_an_unknown_address_gets_the_chinese_404_page(client_as):
    response = client_as(Role.COORDINATOR).get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html
    assert 'href="/"' in html
    assert "Resolver404" not in html
    assert "favicon.svg" in html


@pytest.mark.django_db
def test_a_refused_page_says_why(client_as):
    response = client_as(Role.COORDINATOR).get("/system/outbox/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "无权访问" in html
    assert '<span data-testid="error-reason">您的角色无权访问此页面</span>' in html
    assert "返回首页" in html


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_bad_request_gets_the_chinese_400_page(client):
    response = client.get("/__test__/suspicious/")
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_crash_gets_the_self_contained_500_page(django_assert_num_queries):
    client = Client(raise_request_exception=False)
    with django_assert_num_queries(0):
        response = client.get("/__test__/crash/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "系统繁忙" in html
    assert 'href="/"' in html


def test_the_500_page_renders_without_a_request_or_context_processors():
    html = get_template("500.html").render({})
    assert "系统繁忙,请稍后再试" in html
    assert "{%" not in html


@pytest.mark.django_db
def test_a_form_posted_after_its_csrf_token_expired_gets_a_chinese_page(make_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()
