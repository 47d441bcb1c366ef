from django.urls import path
from rest_framework.routers import SimpleRouter

from .logs import LogViewSet
from .sandboxes import SandboxViewSet
from .views import (
    FunctionCallViewSet,
    FunctionViewSet,
    JsonCallNoSlashViewSet,
    JsonCallViewSet,
    MountViewSet,
    TaskViewSet,
)

app_name = "functions"

router = SimpleRouter()
router.register("mounts", MountViewSet, basename="mount")
router.register("functions", FunctionViewSet, basename="function")
router.register("calls", FunctionCallViewSet, basename="call")
router.register("tasks", TaskViewSet, basename="task")
router.register("sandboxes", SandboxViewSet, basename="sandbox")
router.register("logs", LogViewSet, basename="log")

# Calls from any language (functions.json_calls), under the app that serves the function.
urlpatterns = [
    path(
        "apps/<str:app>/functions/<str:name>/call/",
        JsonCallViewSet.as_view({"post": "call"}),
        name="json-call",
    ),
    path(
        "apps/<str:app>/functions/<str:name>/spawn/",
        JsonCallViewSet.as_view({"post": "spawn"}),
        name="json-spawn",
    ),
    path("apps/<str:app>/functions/<str:name>/call", JsonCallNoSlashViewSet.as_view({"post": "call"})),
    path("apps/<str:app>/functions/<str:name>/spawn", JsonCallNoSlashViewSet.as_view({"post": "spawn"})),
    *router.urls,
]
