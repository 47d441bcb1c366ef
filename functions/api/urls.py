from rest_framework.routers import SimpleRouter

from .views import FunctionCallViewSet, FunctionViewSet, MountViewSet, TaskViewSet

app_name = "functions"

router = SimpleRouter()
router.register("mounts", MountViewSet, basename="mount")
router.register("functions", FunctionViewSet, basename="function")
router.register("calls", FunctionCallViewSet, basename="call")
router.register("tasks", TaskViewSet, basename="task")
urlpatterns = router.urls
