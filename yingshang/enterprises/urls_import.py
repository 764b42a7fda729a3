# Routes of the import pipeline (owned by views_import.py); included in the "enterprises" namespace by urls.py.
from django.urls import path

from . import views_import

urlpatterns: list = [
    path("imports/", views_import.import_list, name="import_list"),
    path("imports/template/", views_import.import_template, name="import_template"),
    path("imports/<int:pk>/", views_import.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", views_import.import_progress, name="import_progress"),
    path("imports/<int:pk>/confirm/", views_import.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/cancel/", views_import.import_cancel, name="import_cancel"),
    path("imports/<int:pk>/restart/", views_import.import_restart, name="import_restart"),
    path("imports/<int:pk>/errors.xlsx", views_import.import_errors, name="import_errors"),
]
