from django.apps import AppConfig

from yingshang.core.navigation import MenuItem


class Open311Config(AppConfig):
    name = "yingshang.open311"
    label = "open311"
    verbose_name = "Open311 接口"
    # Keys are the office's business: it is the office that deals with the hotline and outside systems.
    menu_items: list = [MenuItem("Open311 接口密钥", "open311:key_list", cap="dispatch_appeals", order=390)]
