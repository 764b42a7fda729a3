from django.apps import AppConfig

from yingshang.core.navigation import MenuItem


class AppealsConfig(AppConfig):
    name = "yingshang.appeals"
    label = "appeals"
    verbose_name = "企业诉求"
    # Side-menu entries of this app (see yingshang.core.navigation.menu_for).
    menu_items: list = [
        MenuItem("我的诉求", "appeals:mine", roles=("enterprise",), order=300),
        MenuItem("诉求工作台", "appeals:office", cap="dispatch_appeals", order=300),
        MenuItem("部门待办诉求", "appeals:inbox", cap="handle_appeals", order=305),
        MenuItem("诉求登记", "appeals:record", cap="record_appeals", order=310),
        MenuItem("政企活动", "appeals:meetings", cap="record_appeals", order=315),
        MenuItem(
            "诉求台账", "appeals:ledger", roles=("department_staff", "liaison", "coordinator", "leader"), order=320
        ),
        MenuItem("诉求统计", "appeals:statistics", cap="view_appeal_stats", order=330),
        MenuItem("红黄榜", "appeals:ranking", cap="view_appeal_stats", order=335),
        MenuItem("诉求分类", "appeals:categories", cap="dispatch_appeals", order=340),
    ]
