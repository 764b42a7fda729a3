from django.apps import AppConfig

from yingshang.core.navigation import MenuItem


class PoliciesConfig(AppConfig):
    name = "yingshang.policies"
    label = "policies"
    verbose_name = "惠企政策"
    # Side-menu entries of this app: list of yingshang.core.navigation.MenuItem (see menu_for).
    menu_items: list = [
        MenuItem("我的政策礼包", "policies:package", roles=("enterprise",), order=200),
        MenuItem("我的政策申报", "policies:my_applications", roles=("enterprise",), order=205),
        MenuItem("政策库", "policies:list", cap="manage_policies", order=210),
        MenuItem("申报审核", "policies:review_list", cap="review_policy_applications", order=220),
        MenuItem("免申即享兑现", "policies:grant_list", cap="review_policy_applications", order=225),
        MenuItem("政策兑现统计", "policies:stats", cap="view_policy_stats", order=230),
        MenuItem("政策计算器", "policies:calculator", order=240),
        MenuItem("兑现公示", "policies:announcements", order=245),
    ]

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import PolicyVersion
        from .package import forget_version
        from .relations import register_grants_relation

        register_grants_relation()
        post_save.connect(forget_version, sender=PolicyVersion, dispatch_uid="policies.forget_version")
        post_delete.connect(forget_version, sender=PolicyVersion, dispatch_uid="policies.forget_version_deleted")
