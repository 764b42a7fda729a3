from django.apps import AppConfig

from yingshang.core.navigation import MenuItem


class GovservicesConfig(AppConfig):
    name = "yingshang.govservices"
    label = "govservices"
    verbose_name = "政务服务"
    # Side-menu entries of this app (see yingshang.core.navigation.menu_for).
    menu_items: list[MenuItem] = [
        MenuItem("办事指南", "govservices:guide_list", order=400),
        MenuItem("一件事一次办", "govservices:bundle_list", order=405),
        MenuItem("我的办件", "govservices:case_list", roles=("enterprise",), order=410),
        MenuItem("办件管理", "govservices:case_list", cap="handle_service_cases", order=410),
        MenuItem("办件查询", "govservices:case_list", cap="view_service_stats", order=410),
        MenuItem("帮办代办", "govservices:agency_list", roles=("enterprise",), order=420),
        MenuItem("帮办代办", "govservices:agency_list", cap="assign_service_agents", order=420),
        MenuItem("我的代办", "govservices:agency_list", cap="act_as_service_agent", order=420),
        MenuItem("差评整改", "govservices:rectification_list", cap="view_service_stats", order=430),
        MenuItem("差评整改", "govservices:rectification_list", cap="handle_service_cases", order=430),
        MenuItem("承诺失信记录", "govservices:breach_list", cap="view_service_stats", order=435),
        MenuItem("事项清单管理", "govservices:item_manage_list", cap="manage_service_catalogue", order=440),
        MenuItem("政务服务统计", "govservices:stats", cap="view_service_stats", order=450),
    ]
