from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ApiTokenViewSet, SessionView

app_name = "accounts"

router = SimpleRouter()
router.register("tokens", ApiTokenViewSet, basename="token")

urlpatterns = [path("auth/session/", SessionView.as_view(), name="session"), *router.urls]
