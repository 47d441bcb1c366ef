from rest_framework.routers import SimpleRouter

from .views import AppViewSet, EnvironmentViewSet

app_name = "apps"

router = SimpleRouter()
router.register("apps", AppViewSet, basename="app")
router.register("environments", EnvironmentViewSet, basename="environment")
urlpatterns = router.urls
