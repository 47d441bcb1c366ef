"""The names and URLs of web endpoints: one place spells them, for the API, the CLI and the gateway.

Two forms, as docs/web-endpoints.md shows:
- host: `https://{workspace}--{app}-{function}.{SKYLIFT_WEB_DOMAIN}` (`label=` replaces
  `{app}-{function}`; `-{environment}` follows the workspace outside the default environment; a
  `-dev` suffix while the app is ephemeral, as under `skylift serve`), for operators with a
  wildcard DNS record and TLS in front;
- path: `{SKYLIFT_PUBLIC_URL}/web/{workspace}/{app}/{function}/...` (`-dev` ending the function's
  name likewise), which works on 127.0.0.1 with nothing to configure.
A class's web method is named `{class}-{method}`. Names become lower-case DNS labels: `_` and
`.` turn into `-`; a host label longer than 63 characters is cut and ends with a hash of the
whole, as Modal's are.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.conf import settings

__all__ = [
    "EndpointNames",
    "MAX_LABEL",
    "custom_url",
    "dns_label",
    "endpoint_names",
    "is_host_name",
    "is_label",
    "web_url",
]

MAX_LABEL = 63
_NOT_DNS = re.compile(r"[^a-z0-9-]+")
DEV_SUFFIX = "-dev"
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def is_label(text: str) -> bool:
    """Whether `text` is one lower-case DNS label (what `label=` must be)."""
    return bool(_LABEL.match(text))


def is_host_name(text: str) -> bool:
    """Whether `text` is a full lower-case host name of two labels or more (a custom domain)."""
    labels = text.split(".")
    return len(labels) >= 2 and len(text) <= 253 and all(_LABEL.match(label) for label in labels)


def dns_label(text: str) -> str:
    """`text` as lower-case letters, digits and single hyphens."""
    label = _NOT_DNS.sub("-", text.lower().replace("_", "-").replace(".", "-"))
    return re.sub(r"-{2,}", "-", label).strip("-")


def _shortened(label: str) -> str:
    if len(label) <= MAX_LABEL:
        return label
    digest = hashlib.sha256(label.encode()).hexdigest()[:6]
    return f"{label[: MAX_LABEL - 7].rstrip('-')}-{digest}"


@dataclass(frozen=True)
class EndpointNames:
    host_label: str
    path: str


def endpoint_names(
    *, workspace: str, environment: str | None, app: str, name: str, label: str | None, dev: bool
) -> EndpointNames:
    """The host label and the path of an endpoint (`name`: the function, or `Class.method`)."""
    owner = dns_label(workspace) + (f"-{dns_label(environment)}" if environment else "")
    endpoint = dns_label(name)
    suffix = DEV_SUFFIX if dev else ""
    rest = label if label else f"{dns_label(app)}-{endpoint}"
    host_label = _shortened(f"{owner}--{rest}{suffix}")
    path = f"{owner}/{dns_label(app)}/{label or endpoint}{suffix}"
    return EndpointNames(host_label=host_label, path=path)


def web_url(host_label: str, path: str) -> str:
    """The endpoint's URL in the form this server is configured for."""
    if settings.SKYLIFT_WEB_DOMAIN:
        return f"{settings.SKYLIFT_WEB_SCHEME}://{host_label}.{settings.SKYLIFT_WEB_DOMAIN}"
    return f"{settings.SKYLIFT_PUBLIC_URL}/web/{path}"


def custom_url(domain: str) -> str:
    """The URL of a custom domain (its DNS and TLS are the operator's, as for SKYLIFT_WEB_DOMAIN)."""
    return f"{settings.SKYLIFT_WEB_SCHEME}://{domain}"
