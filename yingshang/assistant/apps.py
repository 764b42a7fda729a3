from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "yingshang.assistant"
    label = "assistant"
    verbose_name = "智能问答"
    # Side-menu entries of this app: list of yingshang.core.navigation.MenuItem (see menu_for).
    menu_items: list = []
