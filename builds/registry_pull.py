"""Pulling an image from a registry that its reference names, over connections Skylift makes.

Asked to pull, the Docker engine would resolve the registry's name again after Skylift checked
it (a DNS rebinding window), and would follow redirects and Bearer token realms that Skylift never
sees (RELIABILITY B12). So for a named registry the engine is never asked to pull: every address
Skylift connects to (the registry's, a token realm's, a redirect's) is resolved once, checked
(public, or a host the operator allowlisted), and used for that connection; the image comes
through the distribution API, every blob verified against its digest, and is handed to the
engine with `docker load`. Images of the engine's default registry are still pulled by the engine.

What differs from an engine pull, for operators of private registries: plain HTTP is used for
loopback registries and those the engine lists as insecure by name (not by CIDR); TLS trusts the
system's CAs plus SKYLIFT_BUILD_CA_BUNDLE (not /etc/docker/certs.d); the engine's proxy is not used.
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
import time
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
SMALL_BODY = 64 << 10  # errors, tokens, redirects
MAX_MANIFEST = 4 << 20
PROGRESS_SECONDS = 10.0
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


NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64, IPv4-compatible)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in NAT64) or (ip in IPV4_COMPATIBLE and int(ip) > 0xFFFF):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        ip = _embedded_ipv4(ip) or ip
    return ip


def address_is_public(address: str) -> bool:
    ip = _ip(address)
    return ip.is_global and not ip.is_multicast


def _allowlist() -> set[str]:
    """SKYLIFT_REGISTRY_ALLOWLIST as lower-case names and name:port, brackets of IPv6 names off."""
    out = set()
    for entry in settings.SKYLIFT_REGISTRY_ALLOWLIST:
        entry = entry.strip().lower()
        if entry:
            name, port = split_host(entry)
            out.add(f"{name}:{port}" if port else name)
    return out


def is_allowlisted(name: str, port: int) -> bool:
    allow = _allowlist()
    return name.lower() in allow or f"{name.lower()}:{port}" in allow


def split_host(host: str) -> tuple[str, int | None]:
    """ "name:port" or "[v6]:port" as (name, port)."""
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        port = rest.lstrip(":")
    else:
        name, _, port = host.partition(":")
    return name, int(port) if port.isdigit() else None


def allowed_addresses(name: str, port: int, *, what: str, may_be_private: bool | None = None) -> list[str]:
    """Resolve `name` once and return the addresses to connect to, in the resolver's order.

    Every address the name has must be public, since a later resolution may give any of them,
    unless private ones are allowed: by default when the operator allowlisted the host
    (SKYLIFT_REGISTRY_ALLOWLIST: host or host:port). `what` names the connection in errors.
    """
    if may_be_private is None:
        may_be_private = is_allowlisted(name, port)
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise Refused(f"{what}: the host {name!r} cannot be resolved ({exc}).") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    private = [a for a in addresses if not address_is_public(a)]
    if private and not may_be_private:
        allow = sorted(_allowlist())
        raise Refused(
            f"{what} resolves to a private or loopback address ({', '.join(private)}); "
            "Skylift does not pull from such addresses unless the operator allows it.",
            hint=f"An operator can allow this host with SKYLIFT_REGISTRY_ALLOWLIST={name}."
            + (f" Allowed registries: {', '.join(allow)}." if allow else ""),
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
    """The registries the engine itself reaches over plain HTTP, by name (its insecure list)."""
    from .docker_builder import client

    config = client().info().get("RegistryConfig") or {}
    names = {name for name, c in (config.get("IndexConfigs") or {}).items() if not c.get("Secure", True)}
    return {n.lower() for n in names}


def _plain_http_allowed(name: str, port: int, addresses: list[str]) -> bool:
    """Loopback registries and those the engine lists as insecure may be reached over HTTP."""
    if all(_ip(a).is_loopback for a in addresses):
        return True
    insecure = _insecure_registries()
    return f"{name}:{port}".lower() in insecure or name.lower() in insecure


@dataclass
class _Session:
    """One pull's connections: the registry, its credentials, the token it gave, what was checked.

    The registry the reference names is checked as the operator allowed it. Every other host a
    pull is sent to (a token realm, a redirect) must be public, or allowlisted too and asked for
    by an allowlisted registry: a public registry cannot send Skylift to an internal address.
    """

    host: str
    repository: str
    credentials: dict | None
    scheme: str = "https"
    authorization: str | None = None
    pinned: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    connections: list[http.client.HTTPConnection] = field(default_factory=list)
    answered_by: tuple[str, str, int] | None = None  # the origin of the last answer
    https_error: str = ""  # why HTTPS did not work, when the registry is reached over HTTP
    _tls: ssl.SSLContext | None = None

    @property
    def origin(self) -> tuple[str, str, int]:
        name, port = split_host(self.host)
        return self.scheme, name.lower(), port or (443 if self.scheme == "https" else 80)

    def _addresses(self, name: str, port: int, what: str) -> list[str]:
        key = (name.lower(), port)
        if key not in self.pinned:
            registry_name, registry_port = split_host(self.host)
            origin_allowed = is_allowlisted(registry_name, registry_port or 443)
            self.pinned[key] = allowed_addresses(
                name, port, what=what, may_be_private=origin_allowed and is_allowlisted(name, port)
            )
        return self.pinned[key]

    def _connect(self, scheme: str, name: str, port: int, what: str) -> http.client.HTTPConnection:
        addresses = self._addresses(name, port, what)
        if scheme == "http" and (scheme, name.lower(), port) != self.origin:
            if not _plain_http_allowed(name, port, addresses):
                raise PullFailed(
                    f"{what} is plain HTTP; Skylift follows it only to loopback or insecure registries"
                )
        if scheme == "https":
            if self._tls is None:
                self._tls = ssl.create_default_context()
                if bundle := _ca_file():
                    self._tls.load_verify_locations(bundle)
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                name, port, timeout=TIMEOUT, context=self._tls
            )
        else:
            conn = http.client.HTTPConnection(name, port, timeout=TIMEOUT)
        # The connection goes to the checked address; TLS still verifies the certificate for `name`.
        conn._create_connection = lambda _addr, timeout, _source: _connect_any(  # type: ignore[attr-defined]
            addresses, port, timeout
        )
        self.connections.append(conn)
        return conn

    def close(self) -> None:
        for conn in self.connections:
            conn.close()
        self.connections.clear()

    def get(self, url: str, headers: dict[str, str], *, what: str) -> http.client.HTTPResponse:
        """GET `url`, following redirects; every hop's address is checked before it is used, and
        credentials go only to the exact origin (scheme, host and port) they were meant for."""
        first = _origin(url, what)
        for _ in range(MAX_REDIRECTS + 1):
            scheme, hostname, port = here = _origin(url, what)
            parts = urllib.parse.urlsplit(url)
            conn = self._connect(scheme, hostname, port, what)
            # One request per connection: the socket closes once its body is read.
            send = {**headers, "Connection": "close"}
            if here != first:
                send.pop("Authorization", None)
            path = parts.path or "/"
            conn.request("GET", path + (f"?{parts.query}" if parts.query else ""), headers=send)
            response = conn.getresponse()
            self.answered_by = here
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                _small(response)
                try:
                    url = urllib.parse.urljoin(url, response.getheader("Location"))
                except ValueError:
                    raise PullFailed(f"{what} redirected to an address that is not a URL") from None
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
            # Only the registry's own challenge is answered (not one from where it redirected to).
            if response.status != 401 or attempt == 1 or self.answered_by != self.origin:
                return response
            challenge = response.getheader("WWW-Authenticate") or ""
            _small(response)
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
                f"the registry {self.host} asked for authentication Skylift does not know: {challenge[:200]!r}"
            )
        query = {
            "service": params.get("service", ""),
            "scope": params.get("scope") or f"repository:{self.repository}:pull",
        }
        query = {k: v for k, v in query.items() if v}
        realm = params["realm"] + ("&" if "?" in params["realm"] else "?") + urllib.parse.urlencode(query)
        headers = {"User-Agent": "skylift-builder"}
        if basic:
            headers["Authorization"] = basic
        # The realm is another host: checked like a redirect (see the class).
        response = self.get(
            realm, headers, what=f"The token realm of the registry {self.host} ({params['realm']})"
        )
        body = _small(response)
        if response.status != 200:
            raise PullFailed(
                f"the registry {self.host}'s token service answered {response.status}"
                + (" (check the registry secret)" if response.status in (401, 403) else "")
            )
        try:
            token = json.loads(body)
            value = token.get("token") or token["access_token"]
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            value = None
        if not isinstance(value, str) or not re.fullmatch(r"[\x21-\x7e]+", value):
            raise PullFailed(f"the registry {self.host}'s token service sent no token")
        self.authorization = "Bearer " + value


def _origin(url: str, what: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, the port made explicit."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PullFailed(f"{what} pointed at {url[:200]!r}, which is not an http(s) URL")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise PullFailed(f"{what} pointed at {url[:200]!r}, which has no valid port") from None
    return parts.scheme, parts.hostname.lower(), port


def _small(response: http.client.HTTPResponse, limit: int = SMALL_BODY) -> bytes:
    """A body that should be small (an error, a token, a redirect), read up to `limit`."""
    return response.read(limit)


def _ca_file() -> str | None:
    bundle = settings.SKYLIFT_BUILD_CA_BUNDLE
    return bundle if bundle and Path(bundle).is_file() else None


# The pull -------------------------------------------------------------------------------------


def _split_reference(ref: str) -> tuple[str, str, str]:
    """(registry host, repository, tag or digest) of a reference that names its registry; with
    both a tag and a digest, the digest is what is pulled (as the engine does)."""
    host, _, rest = ref.partition("/")
    rest, _, digest = rest.partition("@")
    name, tag = rest, "latest"
    if ":" in rest.rsplit("/", 1)[-1]:
        name, tag = rest.rsplit(":", 1)
    return host, name, digest or tag


def _architecture() -> str:
    from .docker_builder import client

    arch = client().info().get("Architecture", "x86_64")
    return ARCHITECTURES.get(arch, arch)


def _descriptor(value, what: str) -> dict:
    """A content descriptor ({mediaType, digest, size}) as the pull needs it, or PullFailed."""
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("digest"), str)
        or not re.fullmatch(r"sha256:[0-9a-f]{64}", value["digest"])
        or not isinstance(value.get("size", 0), int)
        or value.get("size", 0) < 0
    ):
        raise PullFailed(f"{what} is not a descriptor with a sha256 digest and a size")
    return value


def _manifest(session: _Session, reference: str) -> dict:
    repository = session.repository
    accept = ", ".join((*MANIFEST_LIST_TYPES, *MANIFEST_TYPES))
    for _ in range(2):  # an index, then the manifest it names for this platform
        response = session.registry_get(f"/v2/{repository}/manifests/{reference}", accept)
        if response.status != 200:
            _small(response)
            if response.status in (401, 403):
                raise PullFailed(
                    f"the registry {session.host} refused access to {repository} (check the registry secret)"
                )
            if response.status == 404:
                raise PullFailed(f"{session.host}/{repository}:{reference} does not exist in the registry")
            raise PullFailed(f"the registry {session.host} answered {response.status} for the manifest")
        body = response.read(MAX_MANIFEST + 1)
        if len(body) > MAX_MANIFEST:
            raise PullFailed(f"the manifest of {repository} is larger than {MAX_MANIFEST >> 20} MiB")
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            document = None
        if not isinstance(document, dict):
            raise PullFailed(f"the manifest of {repository} is not a JSON object")
        if reference.startswith("sha256:") and "sha256:" + hashlib.sha256(body).hexdigest() != reference:
            raise PullFailed(f"the manifest of {repository} does not match its digest {reference}")
        media = document.get("mediaType") or (response.getheader("Content-Type") or "").split(";")[0]
        if media in MANIFEST_LIST_TYPES or "manifests" in document:
            arch = _architecture()
            manifests = document.get("manifests")
            entries = manifests if isinstance(manifests, list) else []
            chosen = [
                m
                for m in entries
                if isinstance(m, dict)
                and isinstance(m.get("platform"), dict)
                and m["platform"].get("os") == "linux"
                and m["platform"].get("architecture") == arch
            ]
            if not chosen:
                raise PullFailed(f"{repository}:{reference} has no image for linux/{arch}")
            reference = _descriptor(chosen[0], "the index entry")["digest"]
            continue
        if document.get("schemaVersion") != 2:  # schema 1 (signed, deprecated) is not loadable
            raise PullFailed(
                f"{repository}:{reference} has a manifest format Skylift cannot load ({media or 'unknown'})"
            )
        _descriptor(document.get("config"), "the manifest's config")
        layers = document.get("layers")
        if not isinstance(layers, list):
            raise PullFailed(f"the manifest of {repository} has no list of layers")
        for layer in layers:
            _descriptor(layer, "a layer of the manifest")
            if not isinstance(layer.get("mediaType"), str) or layer["mediaType"] not in LOADABLE_LAYER_TYPES:
                raise PullFailed(
                    f"{repository} has a layer of type {layer.get('mediaType')!r}; Skylift loads gzip or "
                    "uncompressed tar layers"
                )
        return document
    raise PullFailed(f"{repository} has an index that points at another index")


def _blob(session: _Session, descriptor: dict, target: Path, log: Callable[[str], None]) -> None:
    """Download a blob to `target`, no longer than its descriptor says, checked against its digest."""
    digest, size = descriptor["digest"], descriptor.get("size")
    response = session.registry_get(f"/v2/{session.repository}/blobs/{digest}")
    if response.status != 200:
        _small(response)
        raise PullFailed(f"the registry {session.host} answered {response.status} for blob {digest[:19]}")
    sha = hashlib.sha256()
    done = 0
    said = time.monotonic()
    with target.open("wb") as out:
        while chunk := response.read(CHUNK):
            done += len(chunk)
            if size is not None and done > size:
                raise PullFailed(f"blob {digest[:19]} is larger than the {size} bytes its manifest says")
            sha.update(chunk)
            out.write(chunk)
            if time.monotonic() - said > PROGRESS_SECONDS:  # also keeps the build's heartbeat going
                said = time.monotonic()
                log(f"     {digest[7:19]}: {done / 1e6:.0f} of {(size or 0) / 1e6:.0f} MB")
    if "sha256:" + sha.hexdigest() != digest:
        raise PullFailed(f"blob {digest[:19]} of {session.repository} does not match its digest")


def pull(ref: str, *, target: str, credentials: dict | None, log: Callable[[str], None]) -> str:
    """Fetch `ref` from the registry it names and load it into the engine as `target`."""
    from .docker_builder import client

    host, repository, reference = _split_reference(ref)
    name, port = split_host(host)
    session = _Session(host=host, repository=repository, credentials=credentials)
    addresses = allowed_addresses(name, port or 443, what=f"The registry {host}")
    session.pinned[(name.lower(), port or 443)] = addresses
    log(f"pulling {ref} from {host} ({', '.join(addresses)}), over Skylift's own connections")
    try:
        _choose_scheme(session, name, port)
        document = _manifest(session, reference)
        layers = document["layers"]
        # Staged on the build directory's disk, not /tmp (often memory): images can be large.
        staging = Path(settings.SKYLIFT_BUILD_DIR) / "pulls"
        staging.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="skylift-pull-", dir=staging) as tmp:
            work = Path(tmp)
            config = work / "config.json"
            _blob(session, document["config"], config, log)
            names = []
            for i, layer in enumerate(layers, start=1):
                log(
                    f"   layer {i}/{len(layers)} {layer['digest'][7:19]} ({layer.get('size', 0) / 1e6:.1f} MB)"
                )
                path = work / f"layer{i}.tar"
                _blob(session, layer, path, log)
                names.append(path.name)
            session.close()
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
        image = client().api.inspect_image(target)
    except (OSError, http.client.HTTPException, ValueError, TypeError, RecursionError) as exc:
        https = f" (over HTTPS: {session.https_error})" if session.https_error else ""
        raise PullFailed(f"could not pull {ref}: {exc}{https}") from None
    finally:
        session.close()
    log(f"pulled {ref} ({image['Id'][:19]})")
    return image["Id"]


def _choose_scheme(session: _Session, name: str, port: int | None) -> None:
    """HTTPS, unless the registry does not speak it and the engine would use plain HTTP there too
    (loopback registries, its insecure list): asked of the registry's own /v2/, nothing else."""
    what = f"The registry {session.host}"
    try:
        conn = session._connect("https", name, port or 443, what)
        conn.request("GET", "/v2/", headers={"User-Agent": "skylift-builder", "Connection": "close"})
        _small(conn.getresponse())  # any answer over TLS will do (401 included)
        return
    except (ssl.SSLError, OSError, http.client.HTTPException) as exc:
        https_error = str(exc) or type(exc).__name__
    addresses = session._addresses(name, port or 80, what)
    if not _plain_http_allowed(name, port or 80, addresses):
        raise PullFailed(f"could not reach the registry {session.host} over HTTPS: {https_error}")
    session.scheme, session.https_error = "http", https_error
