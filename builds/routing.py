from django.urls import path

from .consumers import BuildLogConsumer

websocket_urlpatterns = [path("ws/builds/<str:build_id>/", BuildLogConsumer.as_asgi())]
