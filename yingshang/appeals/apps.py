from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "yingshang.appeals"
    label = "appeals"
    verbose_name = "企业诉求"
    # Side-menu entries of this app: list of yingshang.core.navigation.MenuItem (see menu_for).
    menu_items: list = []
