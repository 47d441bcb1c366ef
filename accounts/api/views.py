from __future__ import annotations

from django.contrib.auth import login, logout
from django.middleware.csrf import get_token
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ApiError

from .. import services, signin
from ..authentication import SessionAuthentication, WorkspaceContext
from ..models import ApiToken, Membership
from ..permissions import ANY_ROLE
from .base import WorkspaceViewSet
from .serializers import ApiTokenCreatedSerializer, ApiTokenSerializer, SessionSerializer, SignInSerializer

# Each user sees and revokes only the tokens he made (scope_queryset below): no role reaches another's.
OWN_TOKENS = ANY_ROLE.because("Only the caller's own tokens: no role lists or revokes another user's.")


def _session_body(request, user, ctx: WorkspaceContext) -> dict:
    return SessionSerializer({"user": user, "workspace": ctx.workspace, "role": ctx.role}).data


class SessionView(APIView):
    """The dashboard's sign-in: a Django session protected by CSRF."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: SessionSerializer}, operation_id="session_retrieve")
    def get(self, request):
        get_token(request)  # sets the csrftoken cookie for the single-page app
        if not isinstance(request.auth, WorkspaceContext):
            raise ApiError("Not signed in.", code="unauthenticated", status_code=401)
        return Response(_session_body(request, request.user, request.auth))

    @extend_schema(
        request=SignInSerializer, responses={200: SessionSerializer}, operation_id="session_create"
    )
    def post(self, request):
        # DRF checks CSRF only for a request that is already signed in. Signing in is checked too,
        # or another site could sign a visitor's browser into an account of its choosing (login CSRF).
        SessionAuthentication().enforce_csrf(request)
        serializer = SignInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = signin.authenticate(request, **serializer.validated_data)
        except signin.SignInThrottled as exc:
            raise ApiError(
                str(exc),
                code="rate_limited",
                status_code=429,
                hint="Failed sign-ins are limited per account and per address; the limit refills over time.",
                headers={"Retry-After": str(exc.retry_after)},
            ) from None
        if user is None:
            # The same answer for an unknown user and a wrong password (no enumeration).
            raise ApiError("Wrong username or password.", code="invalid_credentials", status_code=400)
        membership = (
            Membership.objects.select_related("workspace").filter(user=user).order_by("created_at").first()
        )
        if membership is None:
            raise ApiError("This user belongs to no workspace.", code="no_workspace", status_code=400)
        login(request, user)
        return Response(_session_body(request, user, WorkspaceContext(membership.workspace, membership.role)))

    @extend_schema(request=None, responses={204: None}, operation_id="session_destroy")
    def delete(self, request):
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, WorkspaceViewSet
):
    """API tokens of the signed-in user in this workspace. DELETE revokes."""

    queryset = ApiToken.objects.order_by("-created_at")
    serializer_class = ApiTokenSerializer
    roles = {"list": OWN_TOKENS, "retrieve": OWN_TOKENS, "create": OWN_TOKENS, "destroy": OWN_TOKENS}

    def scope_queryset(self, queryset):
        return queryset.filter(user=self.request.user)

    @extend_schema(request=ApiTokenSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request):
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, secret = services.token_issue(
            workspace=request.auth.workspace,
            user=request.user,
            name=serializer.validated_data.get("name", ""),
            expires_at=serializer.validated_data.get("expires_at"),
        )
        body = ApiTokenCreatedSerializer(token).data
        body["secret"] = secret
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.token_revoke(token=instance)
