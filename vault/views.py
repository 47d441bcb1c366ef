"""The OIDC issuer's public documents: anyone may read them (vault/identity.py)."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from . import identity
from .models import SigningKey


@require_GET
def openid_configuration(request):
    return JsonResponse(identity.discovery(), headers={"Cache-Control": "public, max-age=300"})


@require_GET
def jwks(request):
    found = [k.public_jwk for k in SigningKey.objects.order_by("-created_at")]
    return JsonResponse({"keys": found}, headers={"Cache-Control": "public, max-age=300"})
