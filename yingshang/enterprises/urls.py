from django.urls import path

from . import views  # noqa: F401
from .urls_import import urlpatterns as import_urlpatterns

app_name = "enterprises"

urlpatterns: list = [
    *import_urlpatterns,
]
