from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from . import request_context


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_context.set_from_request(request)
        try:
            return self.get_response(request)
        finally:
            request_context.reset(token)


SEEN_KEY = "_seen"


class SessionIdleRefreshMiddleware:
    """Slides the idle timeout (SESSION_COOKIE_AGE) without writing the session on every request.

    With SESSION_SAVE_EVERY_REQUEST every request, even a read, cost an UPDATE and a COMMIT of the session row. Here
    a signed-in session is saved, and its expiry pushed SESSION_COOKIE_AGE ahead, only when it was last saved more
    than SESSION_REFRESH_SECONDS ago, so a session ends between SESSION_COOKIE_AGE minus that interval and
    SESSION_COOKIE_AGE after the last request. Sits right after SessionMiddleware, which does the saving.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response  # no session to keep alive (anonymous visitors never get one from here)
        now = int(time.time())
        if session.modified or now - int(session.get(SEEN_KEY, 0)) >= settings.SESSION_REFRESH_SECONDS:
            session[SEEN_KEY] = now
        return response


NUL_MESSAGE = "请求参数含有非法字符(NUL),请检查后重试"


class RejectNulQueryMiddleware:
    """A NUL character in a query parameter can reach no page meaningfully, and PostgreSQL refuses it in any text
    comparison (a 500 from deep inside a search); answer 400 at the door instead, in Chinese."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if ("%00" in query or "\x00" in query) and any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": NUL_MESSAGE}, status=400)
            return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
