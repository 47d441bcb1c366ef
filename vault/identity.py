"""OIDC identity tokens for running functions (`SKYLIFT_IDENTITY_TOKEN`, Modal's
`MODAL_IDENTITY_TOKEN`): RS256 JWTs naming the workspace, environment, app, function and
container, signed with a platform key whose public half anyone can fetch, so that an outside
service that accepts OIDC (a cloud's workload identity federation, say) can trust a function
without a stored credential.

The issuer is SKYLIFT_PUBLIC_URL; its discovery document is /.well-known/openid-configuration and
its keys /.well-known/jwks.json (vault/views.py). A container's relay mints its token at hello
(hosts/relay_store.py reads the key; this module signs). Tokens live
SKYLIFT_IDENTITY_TOKEN_SECONDS (an hour).
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

from . import keys

__all__ = ["ALGORITHM", "claims_for", "discovery", "new_signing_key", "sign"]

ALGORITHM = "RS256"
CLAIMS = (
    "workspace_id",
    "workspace_name",
    "environment_name",
    "app_id",
    "app_name",
    "function_id",
    "function_name",
    "container_id",
)

_loaded: dict[str, rsa.RSAPrivateKey] = {}


def new_signing_key() -> tuple[str, bytes, dict[str, Any]]:
    """A new RSA key: (kid, its private PEM encrypted with the secrets key, its public JWK)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    kid = hashlib.sha256(json.dumps(public_jwk, sort_keys=True).encode()).hexdigest()[:32]
    public_jwk.update({"kid": kid, "use": "sig", "alg": ALGORITHM})
    return kid, keys.encrypt({"pem": pem.decode()}), public_jwk


def _private(kid: str, token: bytes) -> rsa.RSAPrivateKey:
    if kid not in _loaded:
        pem = keys.decrypt(token)["pem"].encode()
        loaded = serialization.load_pem_private_key(pem, password=None)
        assert isinstance(loaded, rsa.RSAPrivateKey)
        _loaded[kid] = loaded
    return _loaded[kid]


def claims_for(task: dict[str, Any], names: dict[str, str], *, now: float | None = None) -> dict[str, Any]:
    """The claims of a container's token, from its task row and the names of its workspace,
    environment and app."""
    issued = int(now if now is not None else time.time())
    values = {
        "workspace_id": task["workspace_id"],
        "workspace_name": names["workspace_name"],
        "environment_name": names["environment_name"],
        "app_id": task["app_id"],
        "app_name": names["app_name"],
        "function_id": task["function_id"],
        "function_name": task["name"],
        "container_id": task["id"],
    }
    subject = ":".join(
        [
            "skylift",
            f"workspace_id:{values['workspace_id']}",
            f"environment_name:{values['environment_name']}",
            f"app_name:{values['app_name']}",
            f"function_name:{values['function_name']}",
        ]
    )
    return {
        "iss": settings.SKYLIFT_PUBLIC_URL,
        "aud": settings.SKYLIFT_OIDC_AUDIENCE,
        "sub": subject,
        "iat": issued,
        "nbf": issued,
        "exp": issued + settings.SKYLIFT_IDENTITY_TOKEN_SECONDS,
        **values,
    }


def sign(claims: dict[str, Any], kid: str, private_token: bytes) -> str:
    return jwt.encode(claims, _private(kid, private_token), algorithm=ALGORITHM, headers={"kid": kid})


def discovery() -> dict[str, Any]:
    issuer = settings.SKYLIFT_PUBLIC_URL
    return {
        "issuer": issuer,
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "scopes_supported": ["openid"],
        "claims_supported": ["iss", "aud", "sub", "iat", "nbf", "exp", *CLAIMS],
    }
