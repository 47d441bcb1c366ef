from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and tenancy"

    def ready(self):
        from . import revocation, schema  # noqa: F401 - schema registers the OpenAPI auth extensions

        revocation.connect_signals()
