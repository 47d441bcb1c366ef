from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.base import WorkspaceViewSet
from accounts.permissions import ADMIN_ONLY, ANY_ROLE
from config.pagination import Pagination

from .. import proxy_tokens
from ..models import ProxyToken
from .serializers import ProxyTokenCreatedSerializer, ProxyTokenCreateSerializer, ProxyTokenSerializer

OPENS_ENDPOINTS = "A proxy token opens every web endpoint of the workspace that requires proxy auth."
CUTS_OFF = "Cuts off every client that uses the token."


class ProxyTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    WorkspaceViewSet,
):
    """Proxy auth tokens of the workspace: the key and secret that web endpoints with
    `requires_proxy_auth=True` require. Secrets are shown once, at creation."""

    queryset = ProxyToken.objects.select_related("created_by").order_by("-created_at")
    serializer_class = ProxyTokenSerializer
    pagination_class = Pagination
    roles = {
        "list": ANY_ROLE,
        "retrieve": ANY_ROLE,
        "create": ADMIN_ONLY.because(OPENS_ENDPOINTS),
        "revoke": ADMIN_ONLY.because(CUTS_OFF),
        "destroy": ADMIN_ONLY.because(CUTS_OFF),
    }

    @extend_schema(request=ProxyTokenCreateSerializer, responses={201: ProxyTokenCreatedSerializer})
    def create(self, request):
        """Create a token; the answer carries its secret, which no later answer does."""
        serializer = ProxyTokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, secret = proxy_tokens.create(
            workspace=request.auth.workspace, user=request.user, name=serializer.validated_data["name"]
        )
        body = ProxyTokenCreatedSerializer(token).data
        body["secret"] = secret
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ProxyTokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the token: requests carrying it are refused from now on, by every process."""
        token = proxy_tokens.revoke(token=self.get_object())
        return Response(ProxyTokenSerializer(token).data)

    def perform_destroy(self, instance):
        """Delete the token (revoked or not); requests carrying it are refused from now on."""
        proxy_tokens.delete(token=instance)
