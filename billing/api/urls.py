from rest_framework.routers import SimpleRouter

from .views import UsageViewSet

app_name = "billing"

router = SimpleRouter()
router.register("usage", UsageViewSet, basename="usage")
urlpatterns = router.urls
