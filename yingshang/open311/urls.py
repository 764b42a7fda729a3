from django.urls import URLPattern, URLResolver, path, re_path

from . import views

app_name = "open311"

# GeoReport v2 paths end in the response format: services.json, requests/SQ2026-000001.xml, …
FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<service_code>[-\w]+)" + FMT, views.service_definition, name="service_definition"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[-\w]+)" + FMT, views.request_detail, name="request_detail"),
    re_path(r"^tokens/(?P<token>[0-9a-f]{32})" + FMT, views.token_detail, name="token"),
    path("keys/", views.key_list, name="key_list"),
    path("keys/new/", views.key_create, name="key_create"),
    path("keys/<int:pk>/revoke/", views.key_revoke, name="key_revoke"),
]
