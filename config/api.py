"""The one NinjaAPI of the platform, mounted at /api/v1/. Each app contributes a router from its api.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import django_auth

from yingshang.core.errors import ApplicationError, ConflictError

api = NinjaAPI(
    title="营商通 API",
    version="1.0.0",
    description="营商通(yingshang)开放接口。除注明外均需登录;会话认证需携带 CSRF 令牌。",
    urls_namespace="api-v1",
    auth=django_auth,
    # The interactive documentation is for staff and integrators who have logged in, not the public.
    docs_decorator=login_required,
)


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    status = 409 if isinstance(exc, ConflictError) else 400
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=status)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "无权访问"}, status=403)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "未找到"}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": "请先登录"}, status=401)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": "请求参数有误", "errors": exc.errors}, status=422)


def _register_routers() -> None:
    from yingshang.accounts.api import router as accounts_router
    from yingshang.appeals.api import router as appeals_router
    from yingshang.assistant.api import router as assistant_router
    from yingshang.core.api import router as core_router
    from yingshang.enterprises.api import router as enterprises_router
    from yingshang.govservices.api import router as govservices_router
    from yingshang.policies.api import router as policies_router

    api.add_router("/", core_router)
    api.add_router("/accounts/", accounts_router)
    api.add_router("/enterprises/", enterprises_router)
    api.add_router("/policies/", policies_router)
    api.add_router("/appeals/", appeals_router)
    api.add_router("/services/", govservices_router)
    api.add_router("/assistant/", assistant_router)


_register_routers()
