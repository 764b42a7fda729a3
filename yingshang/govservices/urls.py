from django.urls import URLPattern, URLResolver, path

from . import views_cases as cases
from . import views_catalogue as catalogue
from . import views_office as office

app_name = "govservices"

urlpatterns: list[URLPattern | URLResolver] = [
    # Public: 办事指南, 一次性告知单, 一件事
    path("", catalogue.guide_list, name="guide_list"),
    path("items/<int:pk>/", catalogue.guide, name="guide"),
    path("items/<int:pk>/notice/", catalogue.notice, name="notice"),
    path("bundles/", catalogue.bundle_list, name="bundle_list"),
    path("bundles/<int:pk>/", catalogue.bundle_detail, name="bundle_detail"),
    path("bundles/<int:pk>/notice/", catalogue.bundle_notice, name="bundle_notice"),
    # Catalogue maintenance
    path("manage/items/", catalogue.item_manage_list, name="item_manage_list"),
    path("manage/items/new/", catalogue.item_create, name="item_create"),
    path("manage/items/<int:pk>/edit/", catalogue.item_edit, name="item_edit"),
    path("manage/bundles/new/", catalogue.bundle_create, name="bundle_create"),
    path("manage/bundles/<int:pk>/edit/", catalogue.bundle_edit, name="bundle_edit"),
    path("manage/windows/", catalogue.windows, name="windows"),
    path("manage/import/", catalogue.catalogue_import, name="catalogue_import"),
    path("manage/export/", catalogue.catalogue_export, name="catalogue_export"),
    # Cases
    path("cases/", cases.cases, name="case_list"),
    path("cases/new/", cases.case_new, name="case_new"),
    path("cases/apply/", cases.case_apply, name="case_apply"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/accept/", cases.case_accept_online, name="case_accept_online"),
    path("cases/<int:pk>/materials/<int:mpk>/supply/", cases.material_supply_view, name="material_supply"),
    path("cases/<int:pk>/materials/<int:mpk>/file/", cases.material_file, name="material_file"),
    path("cases/<int:pk>/materials/<int:mpk>/verify/", cases.material_verify, name="material_verify"),
    path("cases/<int:pk>/tasks/<int:tpk>/decide/", cases.task_decide_view, name="task_decide"),
    path("cases/<int:pk>/correct/", cases.case_correct, name="case_correct"),
    path("cases/<int:pk>/issue/", cases.case_issue_view, name="case_issue"),
    path("cases/<int:pk>/collect/", cases.case_collect_view, name="case_collect"),
    path("cases/<int:pk>/rate/", cases.case_rate_view, name="case_rate"),
    # The office
    path("rectifications/", office.rectification_list, name="rectification_list"),
    path("rectifications/<int:pk>/answer/", office.rectification_answer_view, name="rectification_answer"),
    path("breaches/", office.breach_list, name="breach_list"),
    path("agency/", office.agency_list, name="agency_list"),
    path("agency/new/", office.agency_new, name="agency_new"),
    path("agency/<int:pk>/", office.agency_detail, name="agency_detail"),
    path("agency/<int:pk>/assign/", office.agency_assign_view, name="agency_assign"),
    path("agency/<int:pk>/step/", office.agency_step_view, name="agency_step"),
    path("stats/", office.stats, name="stats"),
    path("stats/export/", office.stats_export, name="stats_export"),
]
