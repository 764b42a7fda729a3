from django.apps import AppConfig


class GovservicesConfig(AppConfig):
    name = "yingshang.govservices"
    label = "govservices"
    verbose_name = "政务服务"
    # Side-menu entries of this app: list of yingshang.core.navigation.MenuItem (see menu_for).
    menu_items: list = []
