from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    ApiTokenViewSet,
    AuditEventViewSet,
    InvitationPreviewView,
    InvitationView,
    InviteViewSet,
    MemberViewSet,
    ServiceTokenViewSet,
    SessionView,
    WorkspaceSettingsViewSet,
)

app_name = "accounts"

router = SimpleRouter()
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("service-tokens", ServiceTokenViewSet, basename="service-token")
router.register("members", MemberViewSet, basename="member")
router.register("invites", InviteViewSet, basename="invite")
router.register("audit-events", AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("auth/session/", SessionView.as_view(), name="session"),
    path("auth/invitation/", InvitationView.as_view(), name="invitation"),
    path("auth/invitation/preview/", InvitationPreviewView.as_view(), name="invitation-preview"),
    path(
        "workspace/",
        WorkspaceSettingsViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="workspace",
    ),
    *router.urls,
]
