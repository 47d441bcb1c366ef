from django.apps import AppConfig


class AppsConfig(AppConfig):
    name = "apps"
    label = "skylift_apps"
    verbose_name = "Apps"
