from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from .api import api

admin.site.site_header = "营商通 系统管理"
admin.site.site_title = "营商通 系统管理"
admin.site.index_title = "系统管理"

urlpatterns = [
    path("", include("yingshang.core.urls")),
    path("accounts/", include("yingshang.accounts.urls")),
    path("enterprises/", include("yingshang.enterprises.urls")),
    path("api/v1/", api.urls),
    path("system/admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
