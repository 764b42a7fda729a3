from django.urls import path

from . import views, views_audit, views_calendar

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox_mark_read"),
    path("inbox/<int:pk>/read/", views.inbox_read_one, name="inbox_read_one"),
    path("inbox/<int:pk>/open/", views.inbox_open, name="inbox_open"),
    path("system/outbox/", views.outbox, name="outbox"),
    path("system/calendar/", views_calendar.calendar, name="calendar"),
    path("system/calendar/days/new/", views_calendar.calendar_day_new, name="calendar_day_new"),
    path("system/calendar/days/<int:pk>/edit/", views_calendar.calendar_day_edit, name="calendar_day_edit"),
    path("system/calendar/days/<int:pk>/delete/", views_calendar.calendar_day_delete, name="calendar_day_delete"),
    path("system/calendar/years/<int:year>/", views_calendar.calendar_year, name="calendar_year"),
    path("audit/", views_audit.audit_log, name="audit_log"),
    path("audit/verify/", views_audit.audit_verify, name="audit_verify"),
    path("audit/export/", views_audit.audit_export, name="audit_export"),
]
