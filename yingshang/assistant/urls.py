from django.urls import URLPattern, URLResolver, path

from . import views_manage, views_public

app_name = "assistant"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_public.ask, name="ask"),
    path("q/<int:pk>/feedback/", views_public.feedback, name="feedback"),
    path("doc/<int:pk>/", views_public.document_read, name="document_read"),
    path("manage/documents/", views_manage.documents, name="documents"),
    path("manage/documents/<int:pk>/", views_manage.document_edit, name="document_edit"),
    path("manage/documents/<int:pk>/delete/", views_manage.document_delete, name="document_delete"),
    path("manage/documents/<int:pk>/reindex/", views_manage.document_reindex, name="document_reindex"),
    path("manage/collections/", views_manage.collections, name="collections"),
    path("manage/collections/<int:pk>/", views_manage.collections, name="collection_edit"),
    path("manage/vocabulary/", views_manage.vocabulary, name="vocabulary"),
    path("manage/vocabulary/terms/<int:pk>/delete/", views_manage.term_delete, name="term_delete"),
    path("manage/vocabulary/synonyms/<int:pk>/delete/", views_manage.synonym_delete, name="synonym_delete"),
    path("manage/faqs/", views_manage.faqs, name="faqs"),
    path("manage/faqs/new/", views_manage.faq_edit, name="faq_new"),
    path("manage/faqs/<int:pk>/", views_manage.faq_edit, name="faq_edit"),
    path("manage/faqs/<int:pk>/delete/", views_manage.faq_delete, name="faq_delete"),
    path("manage/questions/", views_manage.questions, name="questions"),
]
