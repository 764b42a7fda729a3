from django.urls import URLPattern, URLResolver

app_name = "govservices"

urlpatterns: list[URLPattern | URLResolver] = []
