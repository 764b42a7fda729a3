from django.urls import path

from . import views
from .urls_import import urlpatterns as import_urlpatterns

app_name = "enterprises"

urlpatterns: list = [
    path("", views.enterprise_list, name="list"),
    path("mine/", views.enterprise_mine, name="mine"),
    path("new/", views.enterprise_create, name="create"),
    path("export/", views.enterprise_export_xlsx, name="export"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("<int:pk>/phone/", views.enterprise_phone_reveal, name="phone_reveal"),
    *import_urlpatterns,
]
