from rest_framework.routers import SimpleRouter

from .views import AppViewSet

app_name = "apps"

router = SimpleRouter()
router.register("apps", AppViewSet, basename="app")
urlpatterns = router.urls
