from django.urls import URLPattern, URLResolver, include, path

from .api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("yingshang.core.urls")),
    path("accounts/", include("yingshang.accounts.urls")),
    path("enterprises/", include("yingshang.enterprises.urls")),
    path("policies/", include("yingshang.policies.urls")),
    path("appeals/", include("yingshang.appeals.urls")),
    # GeoReport v2 (Open311) for the provincial hotline and existing Open311 clients; its own keys and formats.
    path("open311/v2/", include("yingshang.open311.urls")),
    path("services/", include("yingshang.govservices.urls")),
    path("assistant/", include("yingshang.assistant.urls")),
    path("api/v1/", api.urls),
]

# Uploaded files (appeal attachments, application materials, case materials, knowledge documents) are never served
# from MEDIA_URL, not even in development: every download goes through a view that checks who may read it.
