"""Container images: a base and build steps, built by the server layer by layer.

Each method returns a new Image with one more step; each step is one layer, cached by a hash
of its definition and of everything before it, so changing a step rebuilds it and the steps
after it, never the ones before. Local files are attached when a container starts (no build)
unless `copy=True` bakes them into a layer.

    image = (
        skylift.Image.debian_slim()
        .apt_install("git")
        .pip_install("requests==2.32.3")
        .env({"MODE": "prod"})
        .add_local_dir("./assets", "/root/assets")
    )
"""

from __future__ import annotations

import base64
import contextlib
import fnmatch
import hashlib
import importlib.util
import inspect
import io
import os
import sys
import tarfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ._exceptions import InvalidError
from ._secret import Secret, build_secret_spec, build_secrets
from ._volume import Volume, volume_mounts

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["Image"]

MAX_UPLOAD_BYTES = 45 * 1024 * 1024  # base64 in a JSON body under the server's 64 MiB request limit
PYSRC_DIR = "/skylift/pysrc"  # on the containers' PYTHONPATH
UNSUPPORTED_DOCKERFILE = ("ONBUILD", "STOPSIGNAL", "VOLUME", "HEALTHCHECK")


def _in_container() -> bool:
    """Inside a container the image is already built: its local files are not there to read."""
    return os.environ.get("SKYLIFT_IS_REMOTE") == "1"


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _python_version(value: str | None) -> str | None:
    if value is None:
        return None
    parts = str(value).split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts):
        raise InvalidError(f"python_version must look like '3.11', got {value!r}")
    return ".".join(parts[:2])


def _packages(where: str, packages: Sequence[object]) -> list[str]:
    out: list[str] = []
    for p in packages:
        if isinstance(p, (list, tuple)):
            out.extend(_packages(where, p))
        elif isinstance(p, str):
            if p.strip():
                out.append(p.strip())
        else:
            raise InvalidError(f"{where}: packages must be strings, got {type(p).__name__}")
    return out


def _gpu(gpu: str | list[str] | None) -> str | list[str] | None:
    if gpu is None:
        return None
    from .contract.resources import parse_gpu

    parse_gpu(gpu)  # raises InvalidError with the reason
    return gpu


# Local files ------------------------------------------------------------------------------------


def _ignored(rel: PurePosixPath, patterns: Sequence[str]) -> bool:
    text = rel.as_posix()
    for pattern in patterns:
        pattern = pattern.strip().rstrip("/")
        if not pattern:
            continue
        if pattern.startswith("**/"):
            pattern = pattern[3:]
        if fnmatch.fnmatch(text, pattern) or any(fnmatch.fnmatch(part, pattern) for part in rel.parts):
            return True
        # A pattern naming a directory ignores everything under it.
        if any(
            fnmatch.fnmatch(PurePosixPath(*rel.parts[: i + 1]).as_posix(), pattern)
            for i in range(len(rel.parts))
        ):
            return True
    return False


def _pack(entries: list[tuple[str, Path]]) -> bytes:
    """A reproducible tar (same files, same bytes, same hash) that keeps the executable bit."""
    buf = io.BytesIO()
    total = 0
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for arcname, path in sorted(entries):
            data = path.read_bytes()
            total += len(data)
            if total > MAX_UPLOAD_BYTES:
                raise InvalidError(
                    f"local files over {MAX_UPLOAD_BYTES // 2**20} MiB cannot be added to an image; "
                    "download large files in a build step (run_commands or run_function) instead"
                )
            info = tarfile.TarInfo(arcname)
            info.size, info.mtime, info.uid, info.gid = len(data), 0, 0, 0
            info.mode = 0o755 if os.access(path, os.X_OK) else 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _dir_entries(root: Path, ignore: Sequence[str] | Callable[[Path], bool]) -> list[tuple[str, Path]]:
    entries = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        rel = PurePosixPath(path.relative_to(root).as_posix())
        if callable(ignore):
            if ignore(Path(rel)):
                continue
        elif _ignored(rel, ignore):
            continue
        entries.append((rel.as_posix(), path))
    return entries


@dataclass(frozen=True)
class _Local:
    """Files from this machine: attached at start, or a layer with copy=True."""

    kind: str  # "file" | "dir"
    local: Path
    remote: str
    copy: bool
    ignore: Sequence[str] | Callable[[Path], bool] = ()

    def pack(self) -> tuple[bytes, dict[str, Any]]:
        if not self.local.exists():
            raise InvalidError(f"local path {self.local} does not exist")
        if self.kind == "file":
            if not self.local.is_file():
                raise InvalidError(f"{self.local} is not a file")
            name = PurePosixPath(self.remote).name or self.local.name
            return _pack([(name, self.local)]), {"type": "file", "name": name, "target": self.remote}
        if not self.local.is_dir():
            raise InvalidError(f"{self.local} is not a directory")
        return _pack(_dir_entries(self.local, self.ignore)), {"type": "dir", "target": self.remote}


# Steps ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    """One build step as the server knows it, plus what must be uploaded or pickled first."""

    spec: dict[str, Any]
    secrets: tuple[Secret, ...] = ()
    local: _Local | None = None
    function: Any = None  # run_function / @build: the callable or class
    kwargs: dict[str, Any] | None = None
    dockerfile_context: Path | None = None
    volumes: tuple[tuple[str, Volume], ...] = ()  # run_function: (mount path, Volume) pairs


@dataclass(frozen=True)
class _Base:
    spec: dict[str, Any]
    secret: Secret | None = None
    dockerfile_context: Path | None = None


class Image:
    """A description of a container image, built by the server one cached layer per step."""

    def __init__(
        self, base: _Base | dict[str, Any], steps: Sequence[_Step] = (), *, _force: bool = False
    ) -> None:
        # The foundation built Images from a bare spec dict: keep accepting that.
        self._base = base if isinstance(base, _Base) else _Base(dict(base))
        self._steps: tuple[_Step, ...] = tuple(steps)

    # Bases --------------------------------------------------------------------------------------

    @staticmethod
    def debian_slim(python_version: str | None = None, force_build: bool = False) -> Image:
        """Debian with Python (the server's default version unless `python_version` says which)."""
        version = _python_version(python_version)
        return Image(
            _Base({"base": "debian_slim", "python_version": version or "", "force_build": force_build})
        )

    @staticmethod
    def from_id(image_id: str) -> Image:
        """An image the workspace has already, by its id (im-...: one that
        `Sandbox.snapshot_filesystem()` returned), used as it is: no build steps on top."""
        if not isinstance(image_id, str) or not image_id.startswith("im-"):
            raise InvalidError(f"an image id looks like im-...; got {image_id!r}")
        return Image(_Base({"image_id": image_id}))

    @property
    def object_id(self) -> str | None:
        """The image's id when it was given by one (`from_id`, a snapshot), else None."""
        value = self._base.spec.get("image_id")
        return str(value) if value else None

    def _refuse_steps_on_id(self) -> None:
        if self.object_id is not None:
            raise InvalidError(
                f"Image {self.object_id} is used as it is: build steps on an image given by its id are "
                "not supported yet (run them in a sandbox started from it, then snapshot that sandbox)"
            )

    @staticmethod
    def from_registry(
        tag: str,
        *,
        secret: Secret | None = None,
        add_python: str | None = None,
        setup_dockerfile_commands: Sequence[str] = (),
        force_build: bool = False,
    ) -> Image:
        """An existing image from a registry. It needs `python3` on its PATH, or `add_python`
        (a Python of the platform's, e.g. "3.11" or "3.13", copied in whole: any Linux image will do).

        Private registries take a Secret with REGISTRY_USERNAME and REGISTRY_PASSWORD.
        """
        if not isinstance(tag, str) or not tag.strip():
            raise InvalidError("from_registry needs an image reference, e.g. 'ubuntu:22.04'")
        if secret is not None and not isinstance(secret, Secret):
            raise InvalidError("secret must be a skylift.Secret")
        image = Image(
            _Base({"base": "from_registry", "tag": tag.strip(), "force_build": force_build}, secret=secret)
        )
        # As Modal does: Python first, so that the setup commands can use it.
        if add_python:
            image = image._add({"kind": "add_python", "python_version": _python_version(add_python)})
        if setup_dockerfile_commands:
            image = image.dockerfile_commands(*setup_dockerfile_commands)
        return image

    @staticmethod
    def from_dockerfile(
        path: str | Path,
        *,
        context_dir: str | Path | None = None,
        add_python: str | None = None,
        force_build: bool = False,
    ) -> Image:
        """An image built from a Dockerfile (single stage), chainable like any other."""
        path = Path(path)
        if _in_container():
            return Image(_Base({"base": "from_dockerfile", "dockerfile": ""}))
        try:
            text = path.read_text()
        except OSError as exc:
            raise InvalidError(f"cannot read the Dockerfile {path}: {exc.strerror or exc}") from None
        for number, line in enumerate(text.splitlines(), start=1):
            word = line.strip().split(" ", 1)[0].upper()
            if word in UNSUPPORTED_DOCKERFILE:
                raise InvalidError(f"{path} line {number}: {word} is not supported by Skylift builds")
        context = Path(context_dir) if context_dir is not None else path.parent
        if not context.is_dir():
            raise InvalidError(f"context_dir {context} is not a directory")
        image = Image(
            _Base(
                {"base": "from_dockerfile", "dockerfile": text, "force_build": force_build},
                dockerfile_context=context,
            )
        )
        if add_python:
            image = image._add({"kind": "add_python", "python_version": _python_version(add_python)})
        return image

    @staticmethod
    def micromamba(python_version: str | None = None, force_build: bool = False) -> Image:
        """A conda environment with Python, for `micromamba_install`.

        The environment is /opt/conda, first on the PATH; its Python comes from the server's conda
        channels (conda-forge, unless the operator names others in SKYLIFT_CONDA_CHANNELS). The
        build fills it with rattler, so the image has no `micromamba` command of its own.
        """
        version = _python_version(python_version) or "3.11"
        return Image(_Base({"base": "micromamba", "python_version": version, "force_build": force_build}))

    # Steps --------------------------------------------------------------------------------------

    def _add(
        self,
        spec: dict[str, Any],
        *,
        force_build: bool = False,
        secrets: Sequence[Secret] | None = None,
        **extra: Any,
    ) -> Image:
        self._refuse_steps_on_id()
        for step in self._steps:
            if step.local is not None and not step.local.copy:
                raise InvalidError(
                    "An image tried to run a build step after using add_local_* to include local files "
                    "at container start. Pass copy=True to add_local_*, or move them to the end of the image."
                )
        where = spec["kind"]
        step = _Step(
            {**spec, "force_build": bool(force_build)}, secrets=build_secrets(secrets, where), **extra
        )
        return Image(self._base, (*self._steps, step))

    def pip_install(
        self,
        *packages: str | list[str],
        find_links: str | None = None,
        index_url: str | None = None,
        extra_index_url: str | None = None,
        pre: bool = False,
        extra_options: str = "",
        force_build: bool = False,
        secrets: Sequence[Secret] = (),
        gpu: str | list[str] | None = None,
    ) -> Image:
        """Install Python packages with pip."""
        pkgs = _packages("pip_install", packages)
        if not pkgs:
            return self
        return self._add(
            {
                "kind": "pip_install",
                "packages": pkgs,
                "find_links": find_links,
                "index_url": index_url,
                "extra_index_url": extra_index_url,
                "pre": pre,
                "extra_options": extra_options,
                "gpu": _gpu(gpu),
            },
            force_build=force_build,
            secrets=secrets,
        )

    def uv_pip_install(
        self,
        *packages: str | list[str],
        find_links: str | None = None,
        index_url: str | None = None,
        extra_index_url: str | None = None,
        pre: bool = False,
        extra_options: str = "",
        force_build: bool = False,
        secrets: Sequence[Secret] = (),
        gpu: str | list[str] | None = None,
    ) -> Image:
        """Install Python packages with uv (bytecode compiled at build time, for faster starts)."""
        pkgs = _packages("uv_pip_install", packages)
        if not pkgs:
            return self
        return self._add(
            {
                "kind": "uv_pip_install",
                "packages": pkgs,
                "find_links": find_links,
                "index_url": index_url,
                "extra_index_url": extra_index_url,
                "pre": pre,
                "extra_options": extra_options,
                "gpu": _gpu(gpu),
            },
            force_build=force_build,
            secrets=secrets,
        )

    def pip_install_from_requirements(
        self,
        requirements_txt: str | Path,
        find_links: str | None = None,
        *,
        index_url: str | None = None,
        extra_index_url: str | None = None,
        pre: bool = False,
        extra_options: str = "",
        force_build: bool = False,
        secrets: Sequence[Secret] = (),
        gpu: str | list[str] | None = None,
    ) -> Image:
        """Install the packages of a local requirements file (its content is part of the layer's identity)."""
        path = Path(requirements_txt)
        if _in_container():
            return self
        try:
            text = path.read_text()
        except OSError as exc:
            raise InvalidError(f"cannot read the requirements file {path}: {exc.strerror or exc}") from None
        return self._add(
            {
                "kind": "pip_install_from_requirements",
                "requirements": text,
                "find_links": find_links,
                "index_url": index_url,
                "extra_index_url": extra_index_url,
                "pre": pre,
                "extra_options": extra_options,
                "gpu": _gpu(gpu),
            },
            force_build=force_build,
            secrets=secrets,
        )

    def apt_install(
        self,
        *packages: str | list[str],
        force_build: bool = False,
        secrets: Sequence[Secret] = (),
        gpu: str | list[str] | None = None,
    ) -> Image:
        """Install Debian packages with apt-get."""
        pkgs = _packages("apt_install", packages)
        if not pkgs:
            return self
        return self._add(
            {"kind": "apt_install", "packages": pkgs, "gpu": _gpu(gpu)},
            force_build=force_build,
            secrets=secrets,
        )

    def micromamba_install(
        self,
        *packages: str | list[str],
        channels: Sequence[str] = (),
        force_build: bool = False,
        secrets: Sequence[Secret] = (),
        gpu: str | list[str] | None = None,
    ) -> Image:
        """Install conda packages into the environment of an `Image.micromamba()` base.

        Channels are names (conda-forge), URLs, or none for the server's own. Every package asked
        for so far is solved again together, so a later step adds to the environment.
        """
        pkgs = _packages("micromamba_install", packages)
        if not pkgs:
            return self
        if isinstance(channels, str):
            raise InvalidError("channels must be a list, e.g. channels=['conda-forge']")
        return self._add(
            {"kind": "micromamba_install", "packages": pkgs, "channels": list(channels), "gpu": _gpu(gpu)},
            force_build=force_build,
            secrets=secrets,
        )

    def run_commands(
        self,
        *commands: str | list[str],
        secrets: Sequence[Secret] = (),
        gpu: str | list[str] | None = None,
        force_build: bool = False,
    ) -> Image:
        """Run shell commands, each like a Dockerfile RUN line; the first failure fails the step."""
        cmds = _packages("run_commands", commands)
        if not cmds:
            return self
        return self._add(
            {"kind": "run_commands", "commands": cmds, "gpu": _gpu(gpu)},
            force_build=force_build,
            secrets=secrets,
        )

    def run_function(
        self,
        raw_f: Callable[..., Any],
        *,
        secrets: Sequence[Secret] = (),
        volumes: dict[str | PurePosixPath, Volume] | None = None,
        gpu: str | list[str] | None = None,
        timeout: int = 3600,
        force_build: bool = False,
        args: Sequence[Any] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Image:
        """Run a Python function in a container of the image so far and keep what it writes to disk.

        The layer rebuilds when the function's source, its kwargs, which volumes it mounts where, or
        anything before it changes. Volumes are mounted read-write and are not part of the image.
        """
        mounted = volume_mounts(volumes)
        if args:
            raise InvalidError("run_function takes keyword arguments only (kwargs={...})")
        fn = getattr(raw_f, "get_raw_f", None)
        fn = fn() if callable(fn) else raw_f
        if not callable(fn) or inspect.isclass(fn):
            raise InvalidError("run_function needs a function")
        if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= 86400:
            raise InvalidError("timeout must be whole seconds from 1 to 86400")
        return self._add(
            {"kind": "run_function", "timeout": timeout, "gpu": _gpu(gpu)},
            force_build=force_build,
            secrets=secrets,
            function=fn,
            kwargs=dict(kwargs or {}),
            volumes=tuple(mounted.items()),
        )

    def env(self, vars: dict[str, str], force_build: bool = False) -> Image:  # noqa: A002 - Modal's name
        """Set environment variables in the image."""
        if not isinstance(vars, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in vars.items()
        ):
            raise InvalidError("env takes a dict of string names to string values")
        if not vars:
            return self
        return self._add({"kind": "env", "vars": dict(vars)}, force_build=force_build)

    def workdir(self, path: str | PurePosixPath, force_build: bool = False) -> Image:
        """Set the working directory of later steps and of the containers."""
        path = str(path)
        if not path.startswith("/"):
            raise InvalidError(f"workdir needs an absolute path, got {path!r}")
        return self._add({"kind": "workdir", "path": path}, force_build=force_build)

    def entrypoint(self, entrypoint_commands: list[str]) -> Image:
        """Set the image's entrypoint; its script must end with `exec "$@"` so the runtime can start."""
        if not isinstance(entrypoint_commands, list) or not all(
            isinstance(c, str) for c in entrypoint_commands
        ):
            raise InvalidError("entrypoint takes a list of strings, e.g. ['/usr/local/bin/start.sh']")
        return self._add({"kind": "entrypoint", "entrypoint": list(entrypoint_commands)})

    def dockerfile_commands(
        self,
        *dockerfile_commands: str | list[str],
        context_dir: str | Path | None = None,
        secrets: Sequence[Secret] = (),
        gpu: str | list[str] | None = None,
        force_build: bool = False,
    ) -> Image:
        """Extend the image with Dockerfile instructions (no FROM: the image so far is the base)."""
        cmds = _packages("dockerfile_commands", dockerfile_commands)
        if not cmds:
            return self
        if secrets:
            raise InvalidError("dockerfile_commands cannot use secrets; use run_commands(..., secrets=[...])")
        if gpu:
            raise InvalidError("dockerfile_commands cannot use a GPU; use run_commands(..., gpu=...)")
        for cmd in cmds:
            word = cmd.strip().split(" ", 1)[0].upper()
            if word in UNSUPPORTED_DOCKERFILE:
                raise InvalidError(f"dockerfile_commands: {word} is not supported by Skylift builds")
        context = Path(context_dir) if context_dir is not None else None
        if context is not None and not context.is_dir() and not _in_container():
            raise InvalidError(f"context_dir {context} is not a directory")
        return self._add(
            {"kind": "dockerfile_commands", "commands": cmds},
            force_build=force_build,
            dockerfile_context=context,
        )

    # Local files ------------------------------------------------------------------------------

    def _add_local(self, local: _Local) -> Image:
        if _in_container():
            return self
        if not local.local.exists():
            raise InvalidError(f"local path {local.local} does not exist")
        if not local.remote.startswith("/"):
            raise InvalidError(f"remote_path must be absolute, got {local.remote!r}")
        if local.copy:
            return self._add({"kind": "copy_local"}, local=local)
        return Image(self._base, (*self._steps, _Step({"kind": "mount"}, local=local)))

    def add_local_file(self, local_path: str | Path, remote_path: str, *, copy: bool = False) -> Image:
        """Add a local file at `remote_path` (at container start; in a layer with copy=True)."""
        local = Path(local_path).expanduser()
        if _in_container():
            return self
        if not local.is_file():
            raise InvalidError(
                f"local file {local} does not exist" if not local.exists() else f"{local} is not a file"
            )
        remote = str(remote_path)
        if remote.endswith("/"):
            remote += local.name
        return self._add_local(_Local("file", local.resolve(), remote, copy))

    def add_local_dir(
        self,
        local_path: str | Path,
        remote_path: str,
        *,
        copy: bool = False,
        ignore: Sequence[str] | Callable[[Path], bool] = (),
    ) -> Image:
        """Add a local directory at `remote_path`, without files matching `ignore` (glob patterns)."""
        local = Path(local_path).expanduser()
        if _in_container():
            return self
        if not local.is_dir():
            raise InvalidError(
                f"local directory {local} does not exist"
                if not local.exists()
                else f"{local} is not a directory"
            )
        ignore_value = ignore if callable(ignore) else tuple(ignore)
        return self._add_local(
            _Local("dir", local.resolve(), str(remote_path).rstrip("/") or "/", copy, ignore_value)
        )

    def add_local_python_source(
        self, *modules: str, copy: bool = False, ignore: Sequence[str] | Callable[[Path], bool] | None = None
    ) -> Image:
        """Make local Python modules or packages importable in the containers, by their module names."""
        if _in_container():
            return self
        image = self
        for name in modules:
            if not isinstance(name, str) or not name or "." in name:
                raise InvalidError(f"add_local_python_source takes top-level module names, got {name!r}")
            spec = importlib.util.find_spec(name)
            if spec is None:
                raise InvalidError(f"module {name!r} cannot be found locally")
            if spec.submodule_search_locations:
                location = Path(next(iter(spec.submodule_search_locations)))
                image = image._add_local(
                    _Local(
                        "dir",
                        location.resolve(),
                        f"{PYSRC_DIR}/{name}",
                        copy,
                        ignore if ignore is not None else _not_python_source,
                    )
                )
            elif spec.origin and spec.origin.endswith(".py"):
                image = image._add_local(
                    _Local("file", Path(spec.origin).resolve(), f"{PYSRC_DIR}/{name}.py", copy)
                )
            else:
                raise InvalidError(f"module {name!r} is not pure Python source ({spec.origin})")
        return image

    # Using it -----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def imports(self) -> Iterator[None]:
        """Imports that only exist in the image: skipped here when missing, required in containers."""
        try:
            yield
        except ImportError:
            if os.environ.get("SKYLIFT_IS_REMOTE") == "1":
                raise

    def _with_build_hooks(self, user_cls: type, module: str, qualname: str) -> Image:
        """This image plus one layer per `@build` method of the class, in definition order.

        The layers go before any local files attached at start, which are not layers.
        """
        methods = _build_methods(user_cls)
        if not methods:
            return self
        layers = list(self._steps)
        attached: list[_Step] = []
        while layers and layers[-1].spec["kind"] == "mount":
            attached.insert(0, layers.pop())
        image = Image(self._base, tuple(layers))
        for name in methods:
            image = image._add(
                {
                    "kind": "run_function",
                    "timeout": 86400,
                    "method": name,
                    "_module": module,
                    "_qualname": qualname,
                },
                function=user_cls,
                kwargs={},
            )
        return Image(image._base, (*image._steps, *attached))

    def to_spec(self, client: Client | None = None) -> dict[str, Any]:
        """The spec the server builds: local files and functions are uploaded first (needs `client`)."""
        if self._steps:
            self._refuse_steps_on_id()
        base = dict(self._base.spec)
        if not base.get("python_version"):
            base.pop("python_version", None)
        if base.get("force_build") is False:
            base.pop("force_build")
        spec: dict[str, Any] = base
        if self._base.secret is not None:
            values, ids = build_secret_spec([self._base.secret], client)
            if values:
                spec["registry_secret"] = values
            if ids:
                spec["registry_secret_ids"] = ids
        if self._base.dockerfile_context is not None and _needs_context(base.get("dockerfile", "")):
            spec["context_sha256"] = _upload(
                client,
                _pack(
                    _dir_entries(self._base.dockerfile_context, _dockerignore(self._base.dockerfile_context))
                ),
                "the Dockerfile's context",
            )
        steps: list[dict[str, Any]] = []
        mounts: list[dict[str, Any]] = []
        for step in self._steps:
            if step.spec["kind"] == "mount":
                assert step.local is not None  # a mount step attaches local files
                content, entry = step.local.pack()
                mounts.append({**entry, "sha256": _upload(client, content, str(step.local.local))})
                continue
            out = {k: v for k, v in step.spec.items() if v not in (None, "") and not k.startswith("_")}
            if not out.get("force_build"):
                out.pop("force_build", None)
            if not out.get("pre"):
                out.pop("pre", None)
            if step.secrets:
                values, ids = build_secret_spec(step.secrets, client)
                if values:
                    out["secrets"] = values
                if ids:
                    out["secret_ids"] = ids
            if step.local is not None:
                content, entry = step.local.pack()
                out.update(entry)
                out["sha256"] = _upload(client, content, str(step.local.local))
            if step.dockerfile_context is not None and any(_needs_context(c) for c in out["commands"]):
                out["context_sha256"] = _upload(
                    client,
                    _pack(_dir_entries(step.dockerfile_context, _dockerignore(step.dockerfile_context))),
                    "context_dir",
                )
            if step.function is not None:
                out.update(_function_step(client, step))
            if step.volumes:
                out["volumes"] = [
                    {"path": p, "volume_id": v.hydrate(client).object_id} for p, v in step.volumes
                ]
            steps.append(out)
        if steps:
            spec["steps"] = steps
        if mounts:
            spec["mounts"] = mounts
        if _truthy("SKYLIFT_FORCE_BUILD"):
            spec["force_build"] = True
        if _truthy("SKYLIFT_IGNORE_CACHE"):
            spec["ignore_cache"] = True
        return spec

    def __repr__(self) -> str:
        kinds = [s.spec["kind"] for s in self._steps]
        if self.object_id is not None:
            return f"Image({self.object_id})"
        return f"Image({self._base.spec.get('base')}{', ' if kinds else ''}{', '.join(kinds)})"


def _build_methods(user_cls: type) -> list[str]:
    """Names of the class's `@build` methods (stacked with `@enter` or not), base classes first."""
    from ._build_runner import _hook_kinds

    found: list[str] = []
    for klass in reversed(user_cls.__mro__):
        for name, value in vars(klass).items():
            if "build" in _hook_kinds(value) and name not in found:
                found.append(name)
    return found


def _not_python_source(path: Path) -> bool:
    return path.suffix != ".py" or "__pycache__" in path.parts


def _needs_context(dockerfile: str) -> bool:
    return any(line.strip().split(" ", 1)[0].upper() in ("COPY", "ADD") for line in dockerfile.splitlines())


def _dockerignore(context: Path) -> tuple[str, ...]:
    path = context / ".dockerignore"
    if not path.is_file():
        return ()
    return tuple(
        line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")
    )


def _upload(client: Client | None, content: bytes, what: str) -> str:
    sha = hashlib.sha256(content).hexdigest()
    if client is None:
        raise InvalidError(f"{what}: local files need a connection to the server to be uploaded")
    client.mount_ensure(sha, content)
    return sha


def _function_step(client: Client | None, step: _Step) -> dict[str, Any]:
    """Upload a run_function / @build function's source; its identity is its own source text."""
    import cloudpickle

    from ._mount import function_source

    fn = step.function
    method = step.spec.get("method")
    source = function_source(fn)
    try:
        text = inspect.getsource(getattr(fn, method) if method else fn)
        identity = hashlib.sha256(text.encode()).hexdigest()
    except (OSError, TypeError):
        identity = None
    out: dict[str, Any] = {
        "module": step.spec.get("_module") or source.module,
        "qualname": step.spec.get("_qualname") or source.qualname,
    }
    if source.serialized is not None:
        out["serialized"] = base64.b64encode(source.serialized).decode()
        identity = identity or hashlib.sha256(source.serialized).hexdigest()
    elif source.mount is not None:
        if client is None:
            raise InvalidError(
                "run_function needs a connection to the server to upload the function's source"
            )
        sha, content = source.mount
        client.mount_ensure(sha, content)
        out["mount_sha256"] = sha
        identity = identity or sha
    out["source_sha256"] = identity
    if step.kwargs:
        try:
            out["kwargs"] = base64.b64encode(cloudpickle.dumps(step.kwargs)).decode()
        except Exception as exc:  # noqa: BLE001
            raise InvalidError(f"run_function kwargs cannot be serialized: {exc}") from None
    return out


def client_python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"
