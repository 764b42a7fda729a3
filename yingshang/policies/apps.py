from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "yingshang.policies"
    label = "policies"
    verbose_name = "惠企政策"
    # Side-menu entries of this app: list of yingshang.core.navigation.MenuItem (see menu_for).
    menu_items: list = []
