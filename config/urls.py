from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts.signin import AdminLoginForm, admin_login
from vault.views import jwks, openid_configuration

from .views import dashboard, healthz

# The admin's sign-in goes through the same limit on failed attempts as the dashboard's.
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("api/v1/", include("config.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path(".well-known/openid-configuration", openid_configuration, name="openid-configuration"),
    path(".well-known/jwks.json", jwks, name="jwks"),
    re_path(r"^(?!api/|static/|admin/|ws/|healthz|\.well-known/)(?P<path>.*)$", dashboard, name="dashboard"),
]
