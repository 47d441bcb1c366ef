from django.urls import path

from .consumers import AppEventsConsumer, LogTailConsumer

# Channels routes ASGI consumers with Django's path(), whose stubs expect a view.
websocket_urlpatterns = [
    path("ws/apps/<str:app_id>/", AppEventsConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/logs/", LogTailConsumer.as_asgi()),  # type: ignore[arg-type]
]
