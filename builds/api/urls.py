from rest_framework.routers import SimpleRouter

from .views import BuildViewSet, ImageViewSet

app_name = "builds"

router = SimpleRouter()
router.register("images", ImageViewSet, basename="image")
router.register("builds", BuildViewSet, basename="build")
urlpatterns = router.urls
