from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .navigation import menu_for
from .notifications import unread_count


def platform(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "PLATFORM_NAME": settings.PLATFORM_NAME,
        "DISTRICT_NAME": settings.DISTRICT_NAME,
        "nav_menu": menu_for(user),
        "unread_notifications": unread_count(user) if user is not None else 0,
    }
