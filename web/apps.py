from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "web"
    verbose_name = "Web endpoints"

    def ready(self):
        from accounts import revocation

        from .models import ProxyToken

        revocation.watch(ProxyToken)  # a token revoked or deleted in the admin stops at once
