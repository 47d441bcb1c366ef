from rest_framework.routers import SimpleRouter

from .views import VolumeViewSet

app_name = "volumes"

router = SimpleRouter()
router.register("volumes", VolumeViewSet, basename="volume")
urlpatterns = router.urls
