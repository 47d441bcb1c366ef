"""Pulling an image from a registry that its reference names, over connections Skylift makes.

Asked to pull, the Docker engine would resolve the registry's name again after Skylift checked
it (a DNS rebinding window), and would follow redirects and Bearer token realms that Skylift never
sees (RELIABILITY B12). So for a named registry the engine is never asked to pull: every address
Skylift connects to (the registry's, a token realm's, a redirect's) is resolved once, checked
(public, or a host the operator allowlisted), and used for that connection; the image comes
through the distribution API, every blob verified against its digest, and is handed to the
engine with `docker load`. Images of the engine's default registry are still pulled by the engine.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import ipaddress
import json
import re
import socket
import ssl
import tarfile
import tempfile
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

MANIFEST_LIST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
LOADABLE_LAYER_TYPES = {
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar",
}
MAX_REDIRECTS = 5
TIMEOUT = 30.0
CHUNK = 1 << 20
ARCHITECTURES = {
    "x86_64": "amd64",
    "aarch64": "arm64",
    "armv7l": "arm",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
}
CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


class Refused(Exception):
    """An address Skylift will not connect to, with what the operator can do about it."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint


class PullFailed(Exception):
    """The registry answered, but not with an image Skylift can load."""


# Addresses ------------------------------------------------------------------------------------


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def split_host(host: str) -> tuple[str, int | None]:
    """ "name:port" or "[v6]:port" as (name, port)."""
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        port = rest.lstrip(":")
    else:
        name, _, port = host.partition(":")
    return name, int(port) if port.isdigit() else None


def allowed_addresses(name: str, port: int, *, what: str) -> list[str]:
    """Resolve `name` once and return the addresses to connect to, in the resolver's order.

    Every address the name has must be public, since a later resolution may give any of them,
    unless the operator allowlisted the host (SKYLIFT_REGISTRY_ALLOWLIST: host or host:port).
    `what` names the connection in errors ("The registry r.example.com:5000", "Its token realm …").
    """
    allow = {h.strip().lower() for h in settings.SKYLIFT_REGISTRY_ALLOWLIST if h.strip()}
    shown = f"[{name}]:{port}" if ":" in name else f"{name}:{port}"
    allowed = name.lower() in allow or shown.lower() in allow
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise Refused(f"{what}: the host {name!r} cannot be resolved ({exc}).") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    private = [a for a in addresses if not address_is_public(a)]
    if private and not allowed:
        raise Refused(
            f"{what} resolves to a private or loopback address ({', '.join(private)}); "
            "Skylift does not pull from such addresses unless the operator allows it.",
            hint=f"An operator can allow this host with SKYLIFT_REGISTRY_ALLOWLIST={name}."
            + (f" Allowed now: {', '.join(sorted(allow))}." if allow else ""),
        )
    return addresses


def _connect_any(addresses: list[str], port: int, timeout: float) -> socket.socket:
    """A connection to the first of `addresses` that answers, made without any further lookup
    (socket.create_connection would resolve even an address literal again)."""
    error: OSError | None = None
    for address in addresses:
        sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect((address, port))
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError(f"no address to connect to on port {port}")


# HTTP over pinned connections -----------------------------------------------------------------


def _insecure_registries() -> set[str]:
    """The registries the engine itself would reach over plain HTTP (its own insecure list)."""
    from .docker_builder import client

    config = client().info().get("RegistryConfig") or {}
    names = {name for name, c in (config.get("IndexConfigs") or {}).items() if not c.get("Secure", True)}
    return {n.lower() for n in names}


def _plain_http_allowed(name: str, port: int, addresses: list[str]) -> bool:
    """As the engine decides: loopback registries and those configured insecure may use HTTP."""
    if all(ipaddress.ip_address(a.split("%", 1)[0]).is_loopback for a in addresses):
        return True
    insecure = _insecure_registries()
    return f"{name}:{port}".lower() in insecure or name.lower() in insecure


@dataclass
class _Session:
    """One pull's connections: the registry's base URL, credentials, and the token it earned."""

    host: str
    credentials: dict | None
    log: Callable[[str], None]
    scheme: str = "https"
    authorization: str | None = None
    pinned: dict[tuple[str, int], list[str]] = field(default_factory=dict)

    def _connect(self, scheme: str, name: str, port: int, what: str) -> http.client.HTTPConnection:
        key = (name, port)
        if key not in self.pinned:
            self.pinned[key] = allowed_addresses(name, port, what=what)
        addresses = self.pinned[key]
        if scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                name, port, timeout=TIMEOUT, context=ssl.create_default_context(cafile=_ca_file())
            )
        else:
            conn = http.client.HTTPConnection(name, port, timeout=TIMEOUT)
        # The connection goes to the checked address; TLS still verifies the certificate for `name`.
        conn._create_connection = lambda _addr, timeout, _source: _connect_any(  # type: ignore[attr-defined]
            addresses, port, timeout
        )
        return conn

    def get(self, url: str, headers: dict[str, str], *, what: str) -> http.client.HTTPResponse:
        """GET `url`, following redirects; every hop's address is checked before it is used."""
        origin = urllib.parse.urlsplit(url).netloc
        for _ in range(MAX_REDIRECTS + 1):
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise PullFailed(f"{what} pointed at {url!r}, which is not an http(s) URL")
            port = parts.port or (443 if parts.scheme == "https" else 80)
            conn = self._connect(parts.scheme, parts.hostname, port, what)
            send = dict(headers)
            if parts.netloc != origin:
                send.pop("Authorization", None)  # credentials stay with the host they are for
            path = parts.path or "/"
            conn.request("GET", path + (f"?{parts.query}" if parts.query else ""), headers=send)
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                response.read()
                conn.close()
                url = urllib.parse.urljoin(url, response.getheader("Location"))
                what = f"A redirect of the registry {self.host} (to {url})"
                continue
            return response
        raise PullFailed(f"the registry {self.host} redirected more than {MAX_REDIRECTS} times")

    def registry_get(self, path: str, accept: str = "*/*") -> http.client.HTTPResponse:
        """GET a distribution API path, authenticating as the registry's challenge asks."""
        for attempt in range(2):
            headers = {"Accept": accept, "User-Agent": "skylift-builder"}
            if self.authorization:
                headers["Authorization"] = self.authorization
            response = self.get(
                f"{self.scheme}://{self.host}{path}", headers, what=f"The registry {self.host}"
            )
            if response.status != 401 or attempt == 1:
                return response
            challenge = response.getheader("WWW-Authenticate") or ""
            response.read()
            self._authenticate(challenge)
        raise AssertionError("unreachable")

    def _authenticate(self, challenge: str) -> None:
        scheme, _, rest = challenge.partition(" ")
        params = dict(CHALLENGE_PARAM.findall(rest))
        basic = None
        if self.credentials:
            pair = f"{self.credentials['username']}:{self.credentials['password']}".encode()
            basic = "Basic " + base64.b64encode(pair).decode()
        if scheme.lower() == "basic":
            if basic is None:
                raise PullFailed(f"the registry {self.host} needs a username and password (pass secret=...)")
            self.authorization = basic
            return
        if scheme.lower() != "bearer" or "realm" not in params:
            raise PullFailed(
                f"the registry {self.host} asked for authentication Skylift does not know: {challenge!r}"
            )
        query = {k: v for k, v in params.items() if k in ("service", "scope")}
        realm = params["realm"] + ("&" if "?" in params["realm"] else "?") + urllib.parse.urlencode(query)
        headers = {"User-Agent": "skylift-builder"}
        if basic:
            headers["Authorization"] = basic
        # The realm is another host: it is checked like the registry (an allowed registry must not
        # send Skylift to an internal address).
        response = self.get(
            realm, headers, what=f"The token realm of the registry {self.host} ({params['realm']})"
        )
        body = response.read()
        if response.status != 200:
            raise PullFailed(
                f"the registry {self.host}'s token service answered {response.status}"
                + (" (check the registry secret)" if response.status in (401, 403) else "")
            )
        try:
            token = json.loads(body)
            self.authorization = "Bearer " + (token.get("token") or token["access_token"])
        except (ValueError, KeyError, TypeError):
            raise PullFailed(f"the registry {self.host}'s token service sent no token") from None


def _ca_file() -> str | None:
    bundle = settings.SKYLIFT_BUILD_CA_BUNDLE
    return bundle if bundle and Path(bundle).is_file() else None


# The pull -------------------------------------------------------------------------------------


def _split_reference(ref: str) -> tuple[str, str, str]:
    """(registry host, repository, tag or digest) of a reference that names its registry."""
    host, _, rest = ref.partition("/")
    if "@" in rest:
        repository, reference = rest.split("@", 1)
    elif ":" in rest.rsplit("/", 1)[-1]:
        repository, reference = rest.rsplit(":", 1)
    else:
        repository, reference = rest, "latest"
    return host, repository, reference


def _architecture() -> str:
    from .docker_builder import client

    arch = client().info().get("Architecture", "x86_64")
    return ARCHITECTURES.get(arch, arch)


def _read_json(response: http.client.HTTPResponse, what: str) -> tuple[dict, bytes]:
    body = response.read(16 << 20)
    try:
        return json.loads(body), body
    except ValueError:
        raise PullFailed(f"{what} is not JSON") from None


def _manifest(session: _Session, repository: str, reference: str) -> dict:
    accept = ", ".join((*MANIFEST_LIST_TYPES, *MANIFEST_TYPES))
    for _ in range(2):  # an index, then the manifest it names for this platform
        response = session.registry_get(f"/v2/{repository}/manifests/{reference}", accept)
        if response.status in (401, 403):
            response.read()
            raise PullFailed(
                f"the registry {session.host} refused access to {repository} (check the registry secret)"
            )
        if response.status == 404:
            response.read()
            raise PullFailed(f"{session.host}/{repository}:{reference} does not exist in the registry")
        if response.status != 200:
            response.read()
            raise PullFailed(f"the registry {session.host} answered {response.status} for the manifest")
        document, body = _read_json(response, "the manifest")
        if reference.startswith("sha256:") and "sha256:" + hashlib.sha256(body).hexdigest() != reference:
            raise PullFailed(f"the manifest of {repository} does not match its digest {reference}")
        media = document.get("mediaType") or (response.getheader("Content-Type") or "").split(";")[0]
        if media in MANIFEST_LIST_TYPES or "manifests" in document:
            arch = _architecture()
            chosen = [
                m
                for m in document.get("manifests") or []
                if (m.get("platform") or {}).get("os") == "linux"
                and (m.get("platform") or {}).get("architecture") == arch
            ]
            if not chosen:
                raise PullFailed(f"{repository}:{reference} has no image for linux/{arch}")
            reference = chosen[0]["digest"]
            continue
        if document.get("schemaVersion") != 2 or "config" not in document:
            raise PullFailed(
                f"{repository}:{reference} has a manifest format Skylift cannot load ({media or 'unknown'})"
            )
        return document
    raise PullFailed(f"{repository} has an index that points at another index")


def _blob(session: _Session, repository: str, digest: str, target: Path) -> None:
    if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest or ""):
        raise PullFailed(f"the manifest of {repository} names a blob without a sha256 digest")
    response = session.registry_get(f"/v2/{repository}/blobs/{digest}")
    if response.status != 200:
        response.read()
        raise PullFailed(f"the registry {session.host} answered {response.status} for blob {digest[:19]}")
    sha = hashlib.sha256()
    with target.open("wb") as out:
        while chunk := response.read(CHUNK):
            sha.update(chunk)
            out.write(chunk)
    if "sha256:" + sha.hexdigest() != digest:
        raise PullFailed(f"blob {digest[:19]} of {repository} does not match its digest")


def pull(ref: str, *, target: str, credentials: dict | None, log: Callable[[str], None]) -> str:
    """Fetch `ref` from the registry it names and load it into the engine as `target`."""
    from .docker_builder import client

    host, repository, reference = _split_reference(ref)
    name, port = split_host(host)
    session = _Session(host=host, credentials=credentials, log=log)
    addresses = allowed_addresses(name, port or 443, what=f"The registry {host}")
    session.pinned[(name, port or 443)] = addresses
    log(f"pulling {ref} from {host} ({', '.join(addresses)}), over Skylift's own connections")
    try:
        document = _try_schemes(session, name, port, addresses, repository, reference)
        layers = document.get("layers") or []
        for layer in layers:
            if layer.get("mediaType") not in LOADABLE_LAYER_TYPES:
                raise PullFailed(
                    f"{ref} has a layer of type {layer.get('mediaType')!r}, which this Docker engine cannot load"
                )
        with tempfile.TemporaryDirectory(prefix="skylift-pull-") as tmp:
            work = Path(tmp)
            config = work / "config.json"
            _blob(session, repository, document["config"]["digest"], config)
            names = []
            for i, layer in enumerate(layers, start=1):
                log(
                    f"   layer {i}/{len(layers)} {layer['digest'][7:19]} ({layer.get('size', 0) / 1e6:.1f} MB)"
                )
                path = work / f"layer{i}.tar"
                _blob(session, repository, layer["digest"], path)
                names.append(path.name)
            (work / "manifest.json").write_text(
                json.dumps([{"Config": config.name, "RepoTags": [target], "Layers": names}])
            )
            archive = work / "image.tar"
            with tarfile.open(archive, "w") as tar:
                for entry in ("manifest.json", config.name, *names):
                    tar.add(work / entry, arcname=entry)
                    if entry != "manifest.json":
                        (work / entry).unlink()
            with archive.open("rb") as data:
                for event in client().api.load_image(data):
                    if "error" in event:
                        raise PullFailed(f"the engine could not load {ref}: {event['error']}")
    except (OSError, http.client.HTTPException) as exc:
        raise PullFailed(f"could not pull {ref}: {exc}") from None
    image = client().api.inspect_image(target)
    log(f"pulled {ref} ({image['Id'][:19]})")
    return image["Id"]


def _try_schemes(
    session: _Session, name: str, port: int | None, addresses: list[str], repository: str, reference: str
) -> dict:
    """HTTPS first; plain HTTP only where the engine would use it too (loopback, insecure list)."""
    try:
        return _manifest(session, repository, reference)
    except (ssl.SSLError, ConnectionRefusedError) as exc:
        if not _plain_http_allowed(name, port or 443, addresses):
            raise PullFailed(f"could not reach the registry {session.host} over HTTPS: {exc}") from None
    session.scheme = "http"
    if port is None:
        session.pinned[(name, 80)] = allowed_addresses(name, 80, what=f"The registry {session.host}")
    return _manifest(session, repository, reference)
