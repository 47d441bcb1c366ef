from django.apps import AppConfig


class StateConfig(AppConfig):
    name = "state"
    verbose_name = "Dicts and Queues"
