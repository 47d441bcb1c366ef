from django.urls import path

from .consumers import AppEventsConsumer

websocket_urlpatterns = [path("ws/apps/<str:app_id>/", AppEventsConsumer.as_asgi())]
