from django.urls import URLPattern, URLResolver, path

from . import views, views_office

app_name = "appeals"

urlpatterns: list[URLPattern | URLResolver] = [
    path("mine/", views.my_appeals, name="mine"),
    path("new/", views.appeal_new, name="new"),
    path("record/", views.appeal_record, name="record"),
    path("inbox/", views.department_inbox_view, name="inbox"),
    path("office/", views_office.office_home, name="office"),
    path("ledger/", views_office.ledger, name="ledger"),
    path("ledger/export/", views_office.ledger_export_view, name="ledger_export"),
    path("meetings/", views_office.meeting_list, name="meetings"),
    path("meetings/new/", views_office.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", views_office.meeting_detail, name="meeting_detail"),
    path("categories/", views_office.category_list, name="categories"),
    path("categories/new/", views_office.category_edit, name="category_new"),
    path("categories/<int:pk>/", views_office.category_edit, name="category_edit"),
    path("statistics/", views_office.statistics_view, name="statistics"),
    path("ranking/", views_office.ranking_view, name="ranking"),
    path("ranking/publish/", views_office.ranking_publish_view, name="ranking_publish"),
    path("<int:pk>/", views.appeal_detail, name="detail"),
    path("<int:pk>/phone/", views.phone_reveal, name="phone_reveal"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("<int:pk>/dispatch/", views.act_dispatch, name="dispatch"),
    path("<int:pk>/sign/", views.act_sign, name="sign"),
    path("<int:pk>/return/", views.act_return, name="return"),
    path("<int:pk>/reply/", views.act_reply, name="reply"),
    path("<int:pk>/extension/", views.act_extension, name="extension"),
    path("<int:pk>/suspension/", views.act_suspension, name="suspension"),
    path("<int:pk>/decide/", views.act_decide, name="decide"),
    path("<int:pk>/resume/", views.act_resume, name="resume"),
    path("<int:pk>/supervise/", views.act_supervise, name="supervise"),
    path("<int:pk>/remind/", views.act_remind, name="remind"),
    path("<int:pk>/supervision-reply/", views.act_supervision_reply, name="supervision_reply"),
    path("<int:pk>/review/", views.act_review, name="review"),
    path("<int:pk>/follow-up/", views.act_follow_up, name="follow_up"),
    path("<int:pk>/rate/", views.act_rate, name="rate"),
    path("<int:pk>/merge/", views.act_merge, name="merge"),
    path("<int:pk>/exclude/", views.act_exclude, name="exclude"),
]
