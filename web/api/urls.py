from rest_framework.routers import SimpleRouter

from .views import ProxyTokenViewSet

app_name = "web"

router = SimpleRouter()
router.register("proxy-tokens", ProxyTokenViewSet, basename="proxy-token")
urlpatterns = router.urls
