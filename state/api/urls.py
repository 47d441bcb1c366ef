from rest_framework.routers import SimpleRouter

from .views import DictViewSet, QueueViewSet

app_name = "state"

router = SimpleRouter()
router.register("dicts", DictViewSet, basename="dict")
router.register("queues", QueueViewSet, basename="queue")
urlpatterns = router.urls
