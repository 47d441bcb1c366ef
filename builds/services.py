"""Resolving an image spec sent by the SDK to an image the hosts can run."""

from __future__ import annotations

import hashlib
import json

from config.errors import ApiError

from .models import Image

__all__ = ["BASE_IMAGES", "image_resolve"]

# Python versions the local base images provide, and their Docker references. The base image
# is bootstrapped on each host by platform/scripts/base-image.sh.
BASE_IMAGES = {"3.11": "skylift/debian-slim:3.11"}


def _spec_hash(spec: dict) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def image_resolve(*, workspace, spec: dict) -> Image:
    """Find or create the Image for `spec`; raise a 400 for what cannot be provided."""
    kind = spec.get("base")
    if kind != "debian_slim":
        raise ApiError(
            f"Unsupported image base {kind!r}.",
            field="image.base",
            hint="This server provides Image.debian_slim().",
        )
    if spec.get("steps"):
        raise ApiError("Image build steps are not supported by this server yet.", field="image.steps")
    version = spec.get("python_version") or "3.11"
    if version not in BASE_IMAGES:
        raise ApiError(
            f"Python {version} cannot be provided.",
            field="image.python_version",
            hint="Available Python versions: " + ", ".join(sorted(BASE_IMAGES)),
        )
    canonical = {"base": "debian_slim", "python_version": version}
    image, _ = Image.objects.get_or_create(
        workspace=workspace,
        spec_hash=_spec_hash(canonical),
        defaults={"spec": canonical, "docker_ref": BASE_IMAGES[version], "python_version": version},
    )
    return image
