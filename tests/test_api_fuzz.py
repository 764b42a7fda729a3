"""Schemathesis generates requests from the OpenAPI schema for every operation, valid and invalid, and sends them
through Django's test client as a coordinator and as an enterprise user. No request may crash the server (5xx), and
every documented response must match its schema."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import requests
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.api import api
from conftest import login
from yingshang.accounts.roles import Role
from yingshang.accounts.tests.factories import DepartmentFactory, UserFactory
from yingshang.enterprises.tests.factories import EnterpriseFactory

schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), ensure_ascii=False, default=str))
)
BASE_URL = "http://testserver"


def _client(role: str) -> Client:
    user = UserFactory.create(
        role=role,
        enterprise=EnterpriseFactory.create() if role == Role.ENTERPRISE else None,
        department=DepartmentFactory.create() if role == Role.DEPARTMENT_STAFF else None,
    )
    return login(Client(), user)


def _send(client: Client, case: Any) -> Response:
    sent = case.as_transport_kwargs(base_url=BASE_URL)
    parts = urlsplit(sent["url"])
    path = parts.path + (f"?{urlencode(sent['params'], doseq=True)}" if sent.get("params") else "")
    headers = {k: v for k, v in (sent.get("headers") or {}).items() if k.lower() not in {"content-type", "cookie"}}
    body: bytes | str
    if "json" in sent:
        body, content_type = json.dumps(sent["json"]), "application/json"
    else:
        data = sent.get("data")
        body = data if isinstance(data, (bytes, str)) else json.dumps(data) if data is not None else ""
        content_type = (sent.get("headers") or {}).get("Content-Type", "application/json")
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    response = client.generic(sent["method"], path, data=body, content_type=content_type, **extra)
    prepared = requests.Request(sent["method"], f"{BASE_URL}{path}").prepare()
    return Response(
        status_code=response.status_code,
        headers={k.lower(): [v] for k, v in response.headers.items()},
        content=response.content,
        request=prepared,
        elapsed=0.0,
        message=response.reason_phrase,
        encoding=response.charset,
        http_version="1.1",
        verify=True,
    )


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ENTERPRISE])
@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_generated_request_crashes_the_api(case: Any, role: str, db: Any) -> None:
    response = _send(_client(role), case)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
