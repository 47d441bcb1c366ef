from django.urls import path

from .consumers import BuildLogConsumer

# Channels routes ASGI consumers with Django's path(), whose stubs expect a view.
websocket_urlpatterns = [path("ws/builds/<str:build_id>/", BuildLogConsumer.as_asgi())]  # type: ignore[arg-type]
