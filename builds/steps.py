"""How each layer is built on Docker: bases (pulled, bootstrapped, shared), the steps that run
in a container of their parent and are committed, the ones that are Dockerfile lines, the
`add_python` bundle, and the final check that the image can run Skylift.

`builds.services.build_run` decides which layers to build; `build_layer` builds one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

from billing import build_meter
from volumes.services import mounts_for as volume_mounts

from . import add_python, docker_builder, gpu_steps, logs, registry_pull
from .models import Build, Layer
from .spec import RATTLER, LayerPlan, SpecError, registry_host, replace_from, shell_join

MIN_PYTHON = (3, 10)  # what the in-container runtime needs
PROBE_MARKER = "SKYLIFT_PROBE"


def python_versions() -> dict[str, str]:
    return dict(settings.SKYLIFT_PYTHON_BASE_IMAGES)


def _pull(ref: str, *, target: str, credentials: dict | None, sink: logs.BuildLog) -> str:
    """Pull `ref` as `target`: the engine pulls from its default registry, Skylift from any other."""
    if registry_host(ref) is None:
        return docker_builder.pull(ref, target=target, credentials=credentials, log=sink.line)
    try:
        return registry_pull.pull(
            ref, target=target, credentials=docker_builder.registry_auth(credentials), log=sink.line
        )
    except registry_pull.Refused as exc:
        raise docker_builder.StepFailed(f"{exc} {exc.hint}".strip()) from None
    except registry_pull.PullFailed as exc:
        message = str(exc)
        raise docker_builder.StepFailed(
            message if message.startswith("could not pull") else f"could not pull {ref}: {message}"
        ) from None


def shared_base_ref(ref: str) -> str:
    """A debian_slim base as every host sees it: from the shared registry when there is one."""
    registry = settings.SKYLIFT_IMAGE_REGISTRY.strip("/")
    return f"{registry}/{ref}" if registry else ref


class AdvisoryLock:
    """A PostgreSQL session lock on a layer's hash: one builder per layer at a time."""

    def __init__(self, key: str, sink: logs.BuildLog):
        self.key, self.sink = key, sink

    def __enter__(self):
        said = 0.0
        with connection.cursor() as cur:
            while True:
                cur.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [self.key])
                if cur.fetchone()[0]:
                    return self
                if time.monotonic() - said > 30:  # a line now and then keeps this build's heartbeat
                    self.sink.line(
                        "Waiting for another build of this layer to finish..."
                        if not said
                        else "   still waiting for the other build..."
                    )
                    said = time.monotonic()
                time.sleep(0.5)

    def __exit__(self, *exc):
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [self.key])


def base_image(local: str, python_version: str, sink: logs.BuildLog) -> tuple[str, str]:
    """The debian_slim base `local` on this host, as (ref, image id): already there, pulled from
    the shared registry, or (the platform's own base) bootstrapped once."""
    ref = shared_base_ref(local)
    docker_id = docker_builder.image_id(ref)
    if docker_id is None and ref != local and docker_builder.fetch(ref):
        docker_id = docker_builder.image_id(ref)  # another host put it in the shared registry
    if docker_id is None:
        with AdvisoryLock(f"base:{ref}", sink):  # one bootstrap per build host at a time
            docker_id = docker_builder.image_id(local)
            if docker_id is None and local == f"{LOCAL_BASE}:{python_version}":
                docker_id = _bootstrap_base(python_version, local, sink)
            if docker_id is not None and ref != local:
                # Shared, so that every host builds on (and runs) the very same base.
                docker_builder.tag(local, ref)
                sink.line(f"   pushing {ref}")
                docker_builder.push(ref, sink.line)
    if docker_id is None:
        raise docker_builder.StepFailed(
            f"the base image {local} is missing on this build host; create it with platform/scripts/base-image.sh"
        )
    return ref, docker_id


LOCAL_BASE = "skylift/debian-slim"
BASE_SCRIPT = Path(settings.BASE_DIR) / "platform" / "scripts" / "base-image.sh"


def _bootstrap_base(python_version: str, ref: str, sink: logs.BuildLog) -> str | None:
    """Make the debian_slim base for a Python version this host has not built yet, once.

    platform/scripts/base-image.sh pulls python:<version>-slim where a registry answers, and
    otherwise bootstraps the Debian release whose python3 is that version (3.11: bookworm, 3.13:
    trixie) and imports it, in about a minute. Its output is the step's log.
    """
    if not BASE_SCRIPT.exists():
        return None
    sink.line(f"=> Step 0: making the base image {ref} on this build host (once; about a minute)")
    env = {**os.environ, "SKYLIFT_BASE_PYTHON": python_version}
    with subprocess.Popen(
        ["bash", str(BASE_SCRIPT)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        tail: list[str] = []
        assert proc.stdout is not None  # stdout=PIPE
        for line in proc.stdout:
            sink.line(line.rstrip("\n"))
            tail = [*tail[-19:], line.rstrip("\n")]
        code = proc.wait()
    if code != 0:
        raise docker_builder.StepFailed(
            f"making the base image {ref} failed (exit {code}):\n" + "\n".join(tail)
        )
    return docker_builder.image_id(ref)


# Step runners -----------------------------------------------------------------------------------


def _mount_dir(workspace_id, sha256: str) -> Path:
    """Extract an uploaded, content-addressed tar once per build host and reuse it."""
    from functions.models import Mount
    from functions.mounts import extract_once

    target = Path(settings.SKYLIFT_BUILD_DIR) / "mounts" / sha256
    if target.exists():
        return target
    mount = Mount.objects.filter(workspace_id=workspace_id, sha256=sha256).first()
    if mount is None:
        raise docker_builder.StepFailed(
            f"the uploaded files {sha256[:12]} are missing; run again to upload them"
        )
    return extract_once(bytes(mount.content), target)


def _ca_binds() -> tuple[list[dict], str]:
    """The host's CA bundle for steps that reach the network, and the shell lines that use it."""
    bundle = settings.SKYLIFT_BUILD_CA_BUNDLE
    if not bundle or not Path(bundle).is_file():
        return [], ""
    path = f"{docker_builder.BUILD_MOUNT_DIR}/ca.crt"
    exports = " ".join(
        f"{name}={path}"
        for name in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO")
    )
    return [{"source": str(Path(bundle).resolve()), "target": path}], f"export {exports}\n"


class _StepFiles:
    """Files a step reads (secrets, its spec), in a private directory removed after the step."""

    def __init__(self, build: Build, index: int):
        self.dir = Path(settings.SKYLIFT_BUILD_DIR) / "steps" / f"{build.id}-{index}"
        self.binds: list[dict] = []

    def __enter__(self):
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self

    def add(self, name: str, content: str) -> str:
        path = self.dir / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(content)
        target = f"{docker_builder.BUILD_MOUNT_DIR}/{name}"
        self.binds.append({"source": str(path), "target": target})
        return target

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)


def _secret_prelude(files: _StepFiles, env: dict | None) -> str:
    if not env:
        return ""
    content = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in sorted(env.items()))
    path = files.add("secrets.env", content)
    return f". {path}\n"


PY = 'PY=$(command -v python3 || command -v python) || { echo "error: no python3 or python on the PATH" >&2; exit 127; }\n'


def _pip_args(step: dict) -> list[str]:
    args = []
    if step.get("index_url"):
        args += ["--index-url", step["index_url"]]
    if step.get("extra_index_url"):
        args += ["--extra-index-url", step["extra_index_url"]]
    if step.get("find_links"):
        args += ["--find-links", step["find_links"]]
    if step.get("pre"):
        args.append("--pre")
    return args


def _extra(step: dict) -> str:
    return (" " + step["extra_options"]) if step.get("extra_options") else ""


def _script(step: dict, ctx: str) -> str:
    """The shell script of a step that runs in a container of its parent."""
    kind = step["kind"]
    pip_env = "export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_BREAK_SYSTEM_PACKAGES=1 PIP_NO_CACHE_DIR=1\n"
    if kind == "pip_install":
        return (
            PY
            + pip_env
            + f'"$PY" -m pip install {shell_join(_pip_args(step) + step["packages"])}{_extra(step)}\n'
        )
    if kind == "pip_install_from_requirements":
        return (
            PY
            + pip_env
            + f'"$PY" -m pip install {shell_join(_pip_args(step))} -r {ctx}/requirements.txt{_extra(step)}\n'
        )
    if kind == "uv_pip_install":
        # uv itself goes in /tmp (the build tmpfs is noexec) and leaves with the step.
        uv = "/tmp/skylift-uv"
        return (
            PY
            + pip_env
            + f"trap 'rm -rf {uv}' EXIT\n"
            + f'"$PY" -m pip install --quiet --target {uv} uv\n'
            + "export UV_NATIVE_TLS=1 UV_NO_CACHE=1 UV_BREAK_SYSTEM_PACKAGES=1\n"
            + f'{uv}/bin/uv pip install --system --python "$PY" --compile-bytecode '
            + f"{shell_join(_pip_args(step) + step['packages'])}{_extra(step)}\n"
        )
    if kind == "apt_install":
        return (
            "export DEBIAN_FRONTEND=noninteractive\n"
            "apt-get update -q\n"
            f"apt-get install -y -q --no-install-recommends {shell_join(step['packages'])}\n"
            "rm -rf /var/lib/apt/lists/*\n"
        )
    if kind == "micromamba_install":
        # The tools' own Python (the base's), whatever the conda environment puts first on the PATH;
        # rattler's caches go to /tmp and leave with the step.
        cache = "/tmp/skylift-conda-cache"
        tool = (
            f"{CONDA_TOOLS_PYTHON} {docker_builder.BUILD_MOUNT_DIR}/conda_env.py {CONDA_PREFIX} "
            f"{shlex.quote(json.dumps(step['channels']))} {shell_join(step['packages'])}"
        )
        # A crash of the tool (SIGSEGV, 139) gets one more run: solving and installing again is
        # safe, and the specs are recorded only when an install succeeds.
        return (
            f"trap 'rm -rf {cache}' EXIT\n"
            f"export XDG_CACHE_HOME={cache} PYTHONPATH={CONDA_TOOLS} PYTHONNOUSERSITE=1\n"
            "for attempt in 1 2; do\n"
            f"  {tool} && break\n"
            "  code=$?\n"
            '  if [ "$code" -ne 139 ] || [ "$attempt" -eq 2 ]; then exit "$code"; fi\n'
            '  echo "the conda tool crashed (SIGSEGV); running it once more" >&2\n'
            "done\n"
        )
    if kind == "run_commands":
        # Each command in a shell of its own, as Dockerfile RUN lines are; the first failure stops the step.
        return "".join(f"/bin/sh -c {shlex.quote(c)} || exit $?\n" for c in step["commands"])
    if kind == "copy_local":
        target = shlex.quote(step["target"])
        if step["type"] == "file":
            return f'mkdir -p "$(dirname {target})"\ncp -a {ctx}/{shlex.quote(step["name"])} {target}\n'
        return f"mkdir -p {target}\ncp -a {ctx}/. {target}/\n"
    raise AssertionError(kind)


def _dockerfile_env(step: dict) -> str:
    def quote(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'

    return "ENV " + " ".join(f"{k}={quote(v)}" for k, v in step["vars"].items())


def _ca_dockerfile_preamble() -> tuple[str, dict[str, bytes]]:
    """Lines that give a Dockerfile's RUN steps the host's CA bundle, as build arguments."""
    bundle = settings.SKYLIFT_BUILD_CA_BUNDLE
    if not bundle or not Path(bundle).is_file():
        return "", {}
    path = "/etc/ssl/certs/skylift-build-ca.crt"
    lines = [f"COPY .skylift-ca.crt {path}"] + [
        f"ARG {name}={path}" for name in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
    ]
    return "\n".join(lines) + "\n", {".skylift-ca.crt": Path(bundle).read_bytes()}


def _with_preamble(dockerfile: str, preamble: str) -> str:
    """Insert `preamble` right after the FROM line (once: Skylift builds single-stage Dockerfiles)."""
    if not preamble:
        return dockerfile
    out, done = [], False
    lines = dockerfile.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        if not done and line.strip().upper().startswith("FROM"):
            while out[-1].rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
                out.append(lines[i])
            out.append(preamble.rstrip("\n"))
            done = True
        i += 1
    return "\n".join(out) + "\n"


def build_layer(build: Build, lp: LayerPlan, parent: Layer | None, target: str, secret_env, sink) -> str:
    step = lp.step
    kind = step["kind"]
    forced = build.force or build.ignore_cache
    if kind == "base":
        base = step["base"]
        if base == "from_registry":
            return _pull(step["tag"], target=target, credentials=secret_env, sink=sink)
        if base == "micromamba":
            return _conda_base(build, step, target, sink)
        # from_dockerfile: a FROM image of a named registry is pulled by Skylift, then built on.
        dockerfile = step["dockerfile"]
        source = step["from"]
        if source and registry_host(source) is not None:
            local = pulled_from_tag(source)
            try:
                dockerfile = replace_from(dockerfile, source, local)
            except SpecError as exc:
                raise docker_builder.StepFailed(str(exc)) from None
            if forced or not docker_builder.image_exists(local):
                _pull(source, target=local, credentials=secret_env, sink=sink)
        preamble, extra = _ca_dockerfile_preamble()
        context = (
            _mount_dir(build.workspace_id, step["context_sha256"]) if step.get("context_sha256") else None
        )
        with build_meter.step(build):  # Docker's builder's containers: billing/build_meter.py
            return docker_builder.build_dockerfile(
                dockerfile=_with_preamble(dockerfile, preamble),
                context_dir=context,
                extra_files=extra,
                target=target,
                log=sink.line,
                nocache=forced,
            )
    assert parent is not None
    if kind == "add_python":
        bundle = _python_bundle(step["python_version"], sink)
        with build_meter.step(build):  # Docker's builder's containers: billing/build_meter.py
            return docker_builder.build_dockerfile(
                dockerfile=add_python.dockerfile(
                    parent.docker_ref, bundle, docker_builder.image_config(parent.docker_ref).get("Env")
                ),
                target=target,
                log=sink.line,
                nocache=forced,
            )
    if kind in ("env", "workdir", "entrypoint"):
        if kind == "env":
            line = _dockerfile_env(step)
        elif kind == "workdir":
            line = "WORKDIR " + json.dumps(step["path"])
        else:
            line = "ENTRYPOINT " + json.dumps(step["entrypoint"])
        with build_meter.step(build):  # Docker's builder's containers: billing/build_meter.py
            return docker_builder.build_dockerfile(
                dockerfile=f"FROM {parent.docker_ref}\n{line}\n", target=target, log=sink.line, nocache=forced
            )
    if kind == "dockerfile_commands":
        preamble, extra = _ca_dockerfile_preamble()
        context = (
            _mount_dir(build.workspace_id, step["context_sha256"]) if step.get("context_sha256") else None
        )
        dockerfile = _with_preamble(
            f"FROM {parent.docker_ref}\n" + "\n".join(step["commands"]) + "\n", preamble
        )
        with build_meter.step(build):  # Docker's builder's containers: billing/build_meter.py
            return docker_builder.build_dockerfile(
                dockerfile=dockerfile,
                context_dir=context,
                extra_files=extra,
                target=target,
                log=sink.line,
                nocache=forced,
            )
    ca_binds, ca_prelude = _ca_binds()
    with _StepFiles(build, lp.index) as files:
        prelude = ca_prelude + _secret_prelude(files, secret_env)
        binds = list(ca_binds)
        ctx = f"{docker_builder.BUILD_MOUNT_DIR}/ctx"
        if kind == "copy_local":
            binds.append({"source": str(_mount_dir(build.workspace_id, step["sha256"])), "target": ctx})
        if kind == "pip_install_from_requirements":
            files.add("requirements.txt", step["requirements"])
            ctx = docker_builder.BUILD_MOUNT_DIR
        if kind == "micromamba_install":
            binds += _conda_binds(step["channels"])
        timeout = 3600
        if kind == "run_function":
            script, more = _run_function(build, step, files)
            binds += more
            timeout = step.get("timeout") or 3600
        else:
            script = "set -e\n" + _script(step, ctx)
        with contextlib.ExitStack() as held_for_step:
            held = None
            if step.get("gpu"):
                # Devices of this host from the allocation containers take theirs from, held
                # until the step ends (builds/gpu_steps.py).
                held = held_for_step.enter_context(
                    gpu_steps.hold(build=build, step=lp.index, gpu=step["gpu"], log=sink.line)
                )
            metered = f"{held.model}:{len(held.devices)}" if held else None
            with build_meter.step(
                build, metered
            ):  # its container is metered as the build's (billing/build_meter.py)
                return docker_builder.run_and_commit(
                    network=docker_builder.network_holder(str(build.workspace_id)),
                    parent=parent.docker_ref,
                    script=(held.prelude() if held else "") + prelude + script,
                    target=target,
                    log=sink.line,
                    binds=binds + files.binds,
                    gpu_device_ids=held.device_ids if held else None,
                    timeout=timeout,
                    name=held.container if held else None,
                )


PULLED_FROM_REPOSITORY = "skylift/from"


def pulled_from_tag(source: str) -> str:
    """Where a Dockerfile's FROM image of a named registry is kept once Skylift pulled it."""
    return f"{PULLED_FROM_REPOSITORY}:{hashlib.sha256(source.encode()).hexdigest()[:24]}"


def _python_bundle(version: str, sink: logs.BuildLog) -> str:
    """The relocatable Python `version` for add_python, made once per build host from its
    debian_slim base (and again when that base or the bundling script changes)."""
    local = python_versions().get(version, f"{LOCAL_BASE}:{version}")
    base_ref, base_id = base_image(local, version, sink)
    ref = add_python.bundle_ref(version)
    wanted = add_python.fingerprint(base_id)

    def current() -> bool:
        if docker_builder.image_id(ref) is None:
            return False
        return (docker_builder.image_config(ref).get("Labels") or {}).get(add_python.LABEL) == wanted

    if current():
        return ref
    with AdvisoryLock(f"python-bundle:{settings.SKYLIFT_HOST_NAME}:{version}", sink):
        if not current():
            sink.line(f"   making a relocatable Python {version} from {base_ref} (once per build host)")
            ca_binds, ca_prelude = _ca_binds()
            script = f"{docker_builder.BUILD_MOUNT_DIR}/python_bundle.py"
            docker_builder.run_and_commit(
                parent=base_ref,
                script=ca_prelude + add_python.bundle_script(script),
                target=ref,
                log=sink.line,
                binds=[*ca_binds, {"source": str(add_python.SCRIPT), "target": script}],
                changes=[f"LABEL {add_python.LABEL}={wanted}"],
                timeout=900,
            )
    return ref


# Image.micromamba(): a conda environment at CONDA_PREFIX, first on the PATH, which rattler
# (py-rattler, in CONDA_TOOLS, run by the base's own Python) fills from conda channels.
CONDA_PREFIX = "/opt/conda"
CONDA_TOOLS = "/opt/skylift-conda/tools"
# The base's own Python, linked here before the environment takes `python3` on the PATH (a
# debian_slim base has it in /usr/bin, or /usr/local/bin when made from a python:slim image).
CONDA_TOOLS_PYTHON = "/opt/skylift-conda/python"
CONDA_SCRIPT = Path(__file__).with_name("conda_env.py")


def _conda_base(build: Build, step: dict, target: str, sink: logs.BuildLog) -> str:
    """The micromamba base: a debian_slim base with the conda tools, and an empty environment
    first on the PATH (the implicit first step installs Python into it)."""
    local = python_versions().get(step["tools_python"], step["ref"])
    base_ref, _ = base_image(local, step["tools_python"], sink)
    ca_binds, ca_prelude = _ca_binds()
    path = next(
        (
            e.split("=", 1)[1]
            for e in docker_builder.image_config(base_ref).get("Env") or []
            if e.startswith("PATH=")
        ),
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    )
    script = (
        "set -e\n"
        + ca_prelude
        + "export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_BREAK_SYSTEM_PACKAGES=1 PIP_NO_CACHE_DIR=1\n"
        + 'TOOLS_PY=$(readlink -f "$(command -v python3)")\n'
        + f'mkdir -p {CONDA_TOOLS} && ln -s "$TOOLS_PY" {CONDA_TOOLS_PYTHON}\n'
        + f"{CONDA_TOOLS_PYTHON} -m pip install --quiet --target {CONDA_TOOLS} {shlex.quote(RATTLER)}\n"
        + f"mkdir -p {CONDA_PREFIX}/conda-meta\n"
    )
    with build_meter.step(build):
        return docker_builder.run_and_commit(
            network=docker_builder.network_holder(str(build.workspace_id)),
            parent=base_ref,
            script=script,
            target=target,
            log=sink.line,
            binds=ca_binds,
            changes=[
                f"ENV PATH={add_python.quoted(f'{CONDA_PREFIX}/bin:{path}')}",
                f"ENV CONDA_PREFIX={CONDA_PREFIX}",
                f"ENV MAMBA_ROOT_PREFIX={CONDA_PREFIX}",
            ],
            timeout=900,
        )


def _conda_binds(channels: list[str]) -> list[dict]:
    """The tool script, and each file:// channel (an operator's, checked at plan time) read-only
    at its own path."""
    binds = [{"source": str(CONDA_SCRIPT), "target": f"{docker_builder.BUILD_MOUNT_DIR}/conda_env.py"}]
    for channel in channels:
        if channel.lower().startswith("file:"):
            parsed = urllib.parse.urlparse(channel)
            folder = Path(urllib.request.url2pathname(parsed.path))
            if parsed.netloc not in ("", "localhost") or not folder.is_absolute() or not folder.is_dir():
                raise docker_builder.StepFailed(
                    f"the conda channel {channel} is not a folder on this build host (file:///path/to/channel)"
                )
            binds.append({"source": str(folder), "target": str(folder)})
    return binds


def _run_function(build: Build, step: dict, files: _StepFiles) -> tuple[str, list[dict]]:
    """Run a user function (or a class's @build method) in the image so far; its files are kept."""
    from hosts.services import RUNTIME_PYTHONPATH, runtime_dir

    run = step["_run"]
    binds = [
        {"source": str(runtime_dir() / name), "target": f"/skylift/lib/{name}"}
        for name in ("skylift", "cloudpickle")
    ]
    if run.get("mount_sha256"):
        binds.append(
            {"source": str(_mount_dir(build.workspace_id, run["mount_sha256"])), "target": "/skylift/src"}
        )
    try:
        binds += volume_mounts(step.get("volumes") or [])  # read-write, and never committed
    except RuntimeError as exc:
        raise docker_builder.StepFailed(str(exc)) from None
    definition = {
        "module": step["module"],
        "qualname": step["qualname"],
        "method": step.get("method"),
        "serialized": run.get("serialized"),
        "kwargs": run.get("kwargs"),
    }
    path = files.add("function.json", json.dumps(definition))
    script = (
        PY
        + f"export PYTHONPATH={RUNTIME_PYTHONPATH} PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 SKYLIFT_IS_REMOTE=1 SKYLIFT_IS_BUILD=1\n"
        + f"export SKYLIFT_IMAGE_ID={shlex.quote(build.image_id)}\n"
        + f'exec "$PY" -m skylift._build_runner {path}\n'
    )
    return script, binds


def probe_python(ref: str, sink: logs.BuildLog) -> str:
    """Check that containers of the image can run Skylift: a Python the runtime supports, and an
    entrypoint that runs the command it is given."""
    code, output = docker_builder.probe(
        ref, ["python3", "-c", f"import sys; print('{PROBE_MARKER}', '%d.%d' % sys.version_info[:2])"]
    )
    for line in output.splitlines():
        if line.startswith(PROBE_MARKER):
            version = line.split()[-1]
            if tuple(int(p) for p in version.split(".")) < MIN_PYTHON:
                raise docker_builder.StepFailed(
                    f"the image's Python is {version}; Skylift's runtime needs {'.'.join(map(str, MIN_PYTHON))} or "
                    "newer (use add_python=... or a newer base image)"
                )
            sink.line(f"Python {version} found in the image")
            return version
    entrypoint = docker_builder.image_config(ref).get("Entrypoint")
    if entrypoint:
        raise docker_builder.StepFailed(
            f"the image's ENTRYPOINT {json.dumps(entrypoint)} did not run the command it was given; an "
            'entrypoint script must end with exec "$@" so that Skylift\'s runtime can start after it',
            output.strip()[-2000:],
        )
    raise docker_builder.StepFailed(
        "the image has no python3 on its PATH; pass add_python='3.11' (or install Python in a step)",
        output.strip()[-2000:],
        code,
    )
