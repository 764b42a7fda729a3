from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "yingshang.accounts"
    label = "accounts"
    verbose_name = "账号与部门"

    def ready(self) -> None:
        from . import signals  # noqa: F401
