from django.urls import URLPattern, URLResolver, path

from . import views_enterprise, views_library, views_public, views_review

app_name = "policies"

urlpatterns: list[URLPattern | URLResolver] = [
    # policy library (staff)
    path("library/", views_library.policy_list, name="list"),
    path("library/new/", views_library.policy_edit, name="create"),
    path("library/preview/", views_library.builder_preview, name="preview"),
    path("library/<int:pk>/", views_library.policy_detail, name="detail"),
    path("library/<int:pk>/edit/", views_library.policy_edit, name="edit"),
    path("library/<int:pk>/publish/", views_library.policy_publish, name="publish"),
    path("library/<int:pk>/retire/", views_library.policy_retire, name="retire"),
    path("library/<int:pk>/rematch/", views_library.policy_rematch, name="rematch"),
    path("library/<int:pk>/versions/<int:number>/", views_library.version_detail, name="version"),
    path("library/<int:pk>/cases/", views_library.test_cases, name="cases"),
    path("library/<int:pk>/cases/<int:case_pk>/", views_library.test_cases, name="case_edit"),
    path("library/<int:pk>/cases/<int:case_pk>/delete/", views_library.policy_case_delete, name="case_delete"),
    path("runs/<int:pk>/", views_library.run_detail, name="run"),
    # enterprise
    path("package/", views_enterprise.package_page, name="package"),
    path("package/supply/", views_enterprise.package_supply, name="package_supply"),
    path("package/subscribe/", views_enterprise.subscribe, name="subscribe"),
    path("package/interest/<int:pk>/", views_enterprise.interest_toggle, name="interest"),
    path("apply/<int:pk>/", views_enterprise.application_new, name="apply"),
    path("applications/mine/", views_enterprise.my_applications, name="my_applications"),
    path("applications/<int:pk>/", views_enterprise.application_detail, name="application_detail"),
    path("applications/<int:pk>/supplement/", views_enterprise.application_supplement, name="application_supplement"),
    path("materials/<int:pk>/", views_enterprise.material_download, name="material"),
    # review, grants, disbursement
    path("review/", views_review.review_list, name="review_list"),
    path("applications/<int:pk>/review/", views_review.application_review, name="application_review"),
    path("applications/<int:pk>/disburse/", views_review.application_disburse, name="application_disburse"),
    path("applications/<int:pk>/announce/", views_review.application_announce, name="application_announce"),
    path("grants/", views_review.grant_list, name="grant_list"),
    path("grants/<int:pk>/", views_review.grant_detail, name="grant_detail"),
    path("grants/<int:pk>/confirm/", views_review.grant_confirm, name="grant_confirm"),
    path("grants/<int:pk>/revoke/", views_review.grant_revoke, name="grant_revoke"),
    path("grants/<int:pk>/disburse/", views_review.grant_disburse, name="grant_disburse"),
    path("grants/<int:pk>/announce/", views_review.grant_announce, name="grant_announce"),
    # public and statistics
    path("calculator/", views_public.calculator_page, name="calculator"),
    path("announcements/", views_public.announcement_list, name="announcements"),
    path("stats/", views_public.stats, name="stats"),
    path("stats/export/", views_public.stats_export, name="stats_export"),
]
