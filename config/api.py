"""The router hub: every app's API under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("apps.api.urls")),
    path("", include("functions.api.urls")),
    path("", include("builds.api.urls")),
    path("", include("volumes.api.urls")),
    path("", include("vault.api.urls")),
    path("", include("state.api.urls")),
    path("", include("web.api.urls")),
    path("", include("billing.api.urls")),
]
