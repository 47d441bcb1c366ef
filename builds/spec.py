"""Image specs: validation, canonical form, and the layer plan with its content hashes.

An image is a base and a list of steps. Each step becomes one layer whose identity is

    sha256(BUILDER_VERSION, parent layer's identity, the step's canonical definition)

where the canonical definition leaves out what cannot change the result (`force_build`,
secret values) and sorts what order cannot matter for (package lists, env keys). A copied
file enters by its content hash (the uploaded mount's sha256). The root identity also holds
the workspace, so that no workspace ever reuses a layer another one built (a layer made with
one workspace's secrets must never serve another).

Pure functions only: no database, no Docker. `builds.services` stores and builds the plan.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "BUILDER_VERSION",
    "DOCKERFILE_INSTRUCTIONS",
    "LayerPlan",
    "SpecError",
    "ImagePlan",
    "canonical_json",
    "parse_dockerfile",
    "plan_image",
    "registry_host",
    "split_secrets",
]

# Changing how any step is rendered or run changes what a layer contains: bump this, on purpose,
# and every layer rebuilds (Modal's "image builder version").
BUILDER_VERSION = "2026.11"
# The conda tools of Image.micromamba() (builds/conda_env.py run by py-rattler): part of the
# identity of its layers, so that changing either rebuilds them.
RATTLER = "py-rattler==0.28.0"
CONDA_TOOLS = hashlib.sha256(
    RATTLER.encode() + (Path(__file__).with_name("conda_env.py")).read_bytes()
).hexdigest()[:16]

BASES = ("debian_slim", "from_registry", "from_dockerfile", "micromamba")
PACKAGE_STEPS = ("pip_install", "uv_pip_install", "apt_install", "micromamba_install")
STEP_KINDS = (
    "pip_install",
    "uv_pip_install",
    "pip_install_from_requirements",
    "apt_install",
    "micromamba_install",
    "run_commands",
    "run_function",
    "env",
    "workdir",
    "entrypoint",
    "dockerfile_commands",
    "copy_local",
    "add_python",
)
# Dockerfile instructions Skylift builds; anything else is refused, never ignored.
DOCKERFILE_INSTRUCTIONS = (
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "USER",
    "WORKDIR",
    "ARG",
    "SHELL",
)
UNSUPPORTED_INSTRUCTIONS = {
    "ONBUILD": "ONBUILD runs in images built from this one, which Skylift never does",
    "STOPSIGNAL": "Skylift stops containers itself",
    "VOLUME": "use skylift Volumes instead of anonymous Docker volumes",
    "HEALTHCHECK": "Skylift watches its containers itself",
}
MAX_STEPS = 100
SHA256 = re.compile(r"^[0-9a-f]{64}$")
PYTHON_VERSION = re.compile(r"^3\.\d{1,2}$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# A Docker image reference: [host[:port]/]path[:tag][@digest], lower-case path components.
IMAGE_REF = re.compile(
    r"^(?:(?P<host>[A-Za-z0-9.-]+(?::\d{1,5})?|\[[0-9A-Fa-f:]+\](?::\d{1,5})?)/)?"
    r"(?P<path>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


DEFAULT_REGISTRY_NAMES = {"docker.io", "index.docker.io", "registry-1.docker.io"}


class SpecError(ValueError):
    """A spec that cannot be built; `field` says where (e.g. `image.steps[2].packages`)."""

    def __init__(self, message: str, *, field: str = "image", hint: str | None = None):
        super().__init__(message)
        self.field = field
        self.hint = hint


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sha(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


@dataclass(frozen=True)
class LayerPlan:
    """One layer to reuse or build: its identity, its parent's, and what to do."""

    hash: str
    parent_hash: str | None
    index: int  # 0 is the base; steps count from 1
    step: dict  # canonical (what the hash covers), plus run-time-only fields under "_run"
    force: bool = False

    @property
    def kind(self) -> str:
        return self.step["kind"]

    def describe(self) -> str:
        return describe_step(self.step)


@dataclass(frozen=True)
class ImagePlan:
    """The layers of an image, base first, and what is attached at container start."""

    layers: list[LayerPlan]
    mounts: list[dict]
    canonical: dict  # the spec as stored (no secret values)
    python_version: str
    image_hash: str
    force_all: bool = False  # SKYLIFT_FORCE_BUILD: rebuild every layer
    ignore_cache: bool = False  # SKYLIFT_IGNORE_CACHE: build afresh, leave the cache as it was
    # "base" or layer index -> env values. Not part of any identity or of `canonical`, but the
    # build that needs them keeps them, encrypted, in its row until it ends (Build.secrets_token).
    secrets: dict = field(default_factory=dict)

    @property
    def needs_build_always(self) -> bool:
        return self.force_all or self.ignore_cache or any(layer.force for layer in self.layers)


# Validation helpers ---------------------------------------------------------------------------


def _str(value, where: str, *, allow_empty: bool = False, max_len: int = 4096) -> str:
    if not isinstance(value, str) or (not value.strip() and not allow_empty) or len(value) > max_len:
        raise SpecError(f"{where} must be a non-empty string (at most {max_len} characters)", field=where)
    if "\x00" in value:
        raise SpecError(f"{where} must not contain NUL characters", field=where)
    return value


def _opt_str(value, where: str) -> str | None:
    if value in (None, ""):
        return None
    return _str(value, where)


def _str_list(value, where: str, *, allow_empty: bool = True, max_items: int = 1000) -> list[str]:
    if value is None:
        value = []
    if isinstance(value, str) or not isinstance(value, list) or len(value) > max_items:
        raise SpecError(f"{where} must be a list of strings", field=where)
    items = [_str(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if not items and not allow_empty:
        raise SpecError(f"{where} must not be empty", field=where)
    return items


def _bool(value, where: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise SpecError(f"{where} must be true or false", field=where)
    return value


def _packages(value, where: str) -> list[str]:
    """Package specifiers, de-duplicated and sorted: their order cannot change what is installed."""
    items = _str_list(value, where, allow_empty=False)
    for i, item in enumerate(items):
        if item.strip().startswith("-"):
            raise SpecError(
                f"{where}[{i}] {item!r} looks like an option, not a package",
                field=f"{where}[{i}]",
                hint="Pass pip options with extra_options=..., not in the package list.",
            )
    return sorted({item.strip() for item in items})


def _sha256(value, where: str) -> str:
    if not isinstance(value, str) or not SHA256.match(value):
        raise SpecError(f"{where} must be a sha256 hex digest", field=where)
    return value


def _gpu(value, where: str) -> str | None:
    if value in (None, ""):
        return None
    from skylift.contract import InvalidError, parse_gpu

    try:
        return ",".join(parse_gpu(value)) or None
    except InvalidError as exc:
        raise SpecError(f"{where}: {exc}", field=where) from None


def _secret_values(value, where: str) -> list[dict]:
    """Secrets arrive as lists of {NAME: value} dicts; only the names enter the layer's identity."""
    if value in (None, []):
        return []
    if not isinstance(value, list):
        raise SpecError(f"{where} must be a list of secrets", field=where)
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or not all(isinstance(k, str) and ENV_NAME.match(k) for k in item):
            raise SpecError(f"{where}[{i}] must map environment variable names to values", field=where)
        if not all(isinstance(v, str) for v in item.values()):
            raise SpecError(f"{where}[{i}]: secret values must be strings", field=where)
        out.append(dict(item))
    return out


def split_secrets(spec: dict) -> tuple[dict, dict]:
    """Take the secret values out of a raw spec: (spec without values, {"base"|index: env})."""
    spec = json.loads(json.dumps(spec))  # a private copy
    secrets: dict[str, dict] = {}
    base_secret = _secret_values(spec.pop("registry_secret", None) or [], "image.registry_secret")
    if base_secret:
        merged = {k: v for s in base_secret for k, v in s.items()}
        secrets["base"] = merged
        spec["registry_secret_names"] = sorted(merged)
    for i, step in enumerate(spec.get("steps") or []):
        if isinstance(step, dict) and step.get("secrets"):
            values = _secret_values(step.pop("secrets"), f"image.steps[{i}].secrets")
            merged = {k: v for s in values for k, v in s.items()}
            secrets[str(i + 1)] = merged
            step["secret_names"] = sorted(merged)
    return spec, secrets


def registry_host(ref: str) -> str | None:
    """The registry host[:port] an image reference names, or None for the default registry."""
    match = IMAGE_REF.match(ref)
    if not match:
        raise SpecError(
            f"{ref!r} is not a valid image reference",
            field="image.tag",
            hint="Use name[:tag], e.g. 'ubuntu:22.04' or 'registry.example.com:5000/team/app:1'.",
        )
    host = match.group("host")
    if host is None:
        return None
    # Docker's rule: the first component is a registry only if it has a dot or a port, or is localhost.
    if host.lower() in DEFAULT_REGISTRY_NAMES:
        return None  # the engine's default registry, spelt out
    if "." in host or ":" in host or host == "localhost" or host.startswith("["):
        return host
    return None


# Dockerfiles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    args: str


def parse_dockerfile(text: str, *, where: str = "Dockerfile", allow_from: bool = True) -> list[Instruction]:
    """Split a Dockerfile into instructions, refusing what Skylift does not build."""
    instructions: list[Instruction] = []
    escape = "\\"
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i]
        start = i + 1
        stripped = raw.strip()
        if not instructions and (directive := re.match(r"^#\s*escape\s*=\s*(\S)", stripped)):
            escape = directive.group(1)
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        parts = [raw.rstrip()]
        while parts[-1].endswith(escape) and i + 1 < len(lines):
            parts[-1] = parts[-1][: -len(escape)]
            i += 1
            # Comment and empty lines inside a continued instruction are skipped, as Docker does.
            while i < len(lines) and (not lines[i].strip() or lines[i].strip().startswith("#")):
                i += 1
            if i >= len(lines):
                break
            parts.append(lines[i].rstrip())
        i += 1
        full = " ".join(p.strip() for p in parts if p.strip())
        keyword, _, args = full.partition(" ")
        keyword = keyword.upper()
        if keyword in UNSUPPORTED_INSTRUCTIONS:
            raise SpecError(
                f"{where} line {start}: {keyword} is not supported by Skylift builds "
                f"({UNSUPPORTED_INSTRUCTIONS[keyword]}).",
                field="image.dockerfile",
                hint="Supported instructions: " + ", ".join(DOCKERFILE_INSTRUCTIONS) + ".",
            )
        if keyword not in DOCKERFILE_INSTRUCTIONS:
            raise SpecError(
                f"{where} line {start}: unknown instruction {keyword!r}.",
                field="image.dockerfile",
                hint="Supported instructions: " + ", ".join(DOCKERFILE_INSTRUCTIONS) + ".",
            )
        args = args.strip()
        if keyword == "FROM":
            if not allow_from:
                raise SpecError(
                    f"{where} line {start}: FROM is not allowed here; the image so far is the base.",
                    field="image.dockerfile",
                )
            if any(ins.keyword == "FROM" for ins in instructions):
                raise SpecError(
                    f"{where} line {start}: multi-stage builds (a second FROM) are not supported.",
                    field="image.dockerfile",
                    hint="Build the artifact in a run_commands step, or use one stage.",
                )
        if keyword in ("COPY", "ADD"):
            if "--from" in args.split() or any(tok.startswith("--from=") for tok in args.split()):
                raise SpecError(
                    f"{where} line {start}: COPY --from (multi-stage) is not supported.",
                    field="image.dockerfile",
                )
            if keyword == "ADD" and re.search(r"(?:^|\s)(?:https?|git)://|(?:^|\s)git@", args):
                raise SpecError(
                    f"{where} line {start}: ADD from a URL is not supported; download it in a RUN step.",
                    field="image.dockerfile",
                )
        if keyword == "ENV" and re.search(r"\$\{[^}]*:[-+]", args):
            raise SpecError(
                f"{where} line {start}: default values in interpolations (${{VAR:-default}}) are not supported.",
                field="image.dockerfile",
            )
        if keyword == "ENTRYPOINT" and args and not args.startswith("["):
            raise SpecError(
                f"{where} line {start}: ENTRYPOINT must use the exec form (a JSON list) and its script "
                'must run the command it is given: end it with exec "$@".',
                field="image.dockerfile",
                hint='For example: ENTRYPOINT ["/usr/local/bin/entrypoint.sh"].',
            )
        instructions.append(Instruction(line=start, keyword=keyword, args=args))
    if allow_from and not any(ins.keyword == "FROM" for ins in instructions):
        raise SpecError(f"{where} has no FROM instruction.", field="image.dockerfile")
    if allow_from:
        first = next(ins for ins in instructions if ins.keyword != "ARG")
        if first.keyword != "FROM":
            raise SpecError(
                f"{where} line {first.line}: the first instruction must be FROM.", field="image.dockerfile"
            )
    return instructions


def dockerfile_from(instructions: list[Instruction]) -> str:
    """The image a Dockerfile starts from (without `AS name` and `--platform`)."""
    args = next(ins for ins in instructions if ins.keyword == "FROM").args.split()
    args = [a for a in args if not a.startswith("--")]
    return args[0] if args else ""


def replace_from(dockerfile: str, image: str, local: str) -> str:
    """The Dockerfile with its FROM image `image` replaced by `local` (an image already pulled).

    Raises SpecError when the FROM instruction is not on one line: the result is parsed again
    and must start from `local`, so that the engine never pulls `image` itself.
    """
    lines = dockerfile.splitlines()
    for i, line in enumerate(lines):
        words = line.split()
        if words and words[0].upper() == "FROM":
            lines[i] = " ".join(local if w == image else w for w in words)
            break
    out = "\n".join(lines) + "\n"
    if dockerfile_from(parse_dockerfile(out)) != local:
        raise SpecError(
            "The Dockerfile's FROM instruction spans several lines; write it on one line.",
            field="image.dockerfile",
        )
    return out


# Steps ----------------------------------------------------------------------------------------


def _pip_options(step: dict, where: str) -> dict:
    return {
        "index_url": _opt_str(step.get("index_url"), f"{where}.index_url"),
        "extra_index_url": _opt_str(step.get("extra_index_url"), f"{where}.extra_index_url"),
        "find_links": _opt_str(step.get("find_links"), f"{where}.find_links"),
        "pre": _bool(step.get("pre"), f"{where}.pre"),
        "extra_options": _opt_str(step.get("extra_options"), f"{where}.extra_options") or "",
    }


def _canonical_step(step: dict, where: str) -> tuple[dict, dict]:
    """(what the layer's hash covers, run-time-only details) for one raw step."""
    if not isinstance(step, dict):
        raise SpecError(f"{where} must be an object", field=where)
    kind = step.get("kind")
    if kind not in STEP_KINDS:
        raise SpecError(
            f"{where}.kind {kind!r} is not a known build step",
            field=f"{where}.kind",
            hint="Known steps: " + ", ".join(STEP_KINDS),
        )
    run: dict = {}
    out: dict[str, Any] = {"kind": kind}
    if step.get("secret_names"):
        out["secret_names"] = sorted(step["secret_names"])
    if step.get("secret_ids"):
        out["secret_ids"] = [str(i) for i in step["secret_ids"]]
    gpu = _gpu(step.get("gpu"), f"{where}.gpu")
    if gpu:
        out["gpu"] = gpu
    if kind in ("pip_install", "uv_pip_install"):
        out["packages"] = _packages(step.get("packages"), f"{where}.packages")
        out.update(_pip_options(step, where))
    elif kind == "pip_install_from_requirements":
        out["requirements"] = _str(step.get("requirements"), f"{where}.requirements", max_len=1_000_000)
        out.update(_pip_options(step, where))
    elif kind == "apt_install":
        out["packages"] = _packages(step.get("packages"), f"{where}.packages")
        for i, pkg in enumerate(out["packages"]):
            if not re.match(r"^[a-z0-9][a-z0-9+.\-]*(?::[a-z0-9-]+)?(?:[=<>].*)?$", pkg):
                raise SpecError(f"{where}.packages[{i}] {pkg!r} is not a Debian package name", field=where)
    elif kind == "micromamba_install":
        out["packages"] = _packages(step.get("packages"), f"{where}.packages")
        out["channels"] = _str_list(step.get("channels"), f"{where}.channels")  # order is priority
    elif kind == "run_commands":
        out["commands"] = _str_list(step.get("commands"), f"{where}.commands", allow_empty=False)
    elif kind == "run_function":
        out["module"] = _str(step.get("module"), f"{where}.module", max_len=255)
        out["qualname"] = _str(step.get("qualname"), f"{where}.qualname", max_len=255)
        out["method"] = _opt_str(step.get("method"), f"{where}.method")
        out["source_sha256"] = _sha256(step.get("source_sha256"), f"{where}.source_sha256")
        kwargs = step.get("kwargs") or ""
        serialized = step.get("serialized") or ""
        for name, value in (("kwargs", kwargs), ("serialized", serialized)):
            if value:
                try:
                    base64.b64decode(_str(value, f"{where}.{name}", max_len=10_000_000), validate=True)
                except (binascii.Error, ValueError):
                    raise SpecError(f"{where}.{name} must be base64", field=f"{where}.{name}") from None
        out["kwargs_sha256"] = hashlib.sha256(kwargs.encode()).hexdigest() if kwargs else None
        timeout = step.get("timeout") or 3600
        if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= 86400:
            raise SpecError(
                f"{where}.timeout must be whole seconds from 1 to 86400", field=f"{where}.timeout"
            )
        out["timeout"] = timeout
        volumes = step.get("volumes") or []
        if not isinstance(volumes, list) or not all(
            isinstance(v, dict)
            and isinstance(v.get("path"), str)
            and v["path"].startswith("/")
            and isinstance(v.get("volume_id"), str)
            for v in volumes
        ):
            raise SpecError(
                f'{where}.volumes must be a list of {{"path", "volume_id"}} objects', field=f"{where}.volumes"
            )
        if len(volumes) > 16:
            raise SpecError(f"{where}.volumes: at most 16 volumes", field=f"{where}.volumes")
        if volumes:
            # Which volume is mounted where is part of the step; what the volume holds is not.
            out["volumes"] = sorted(
                (
                    {
                        "path": "/" + "/".join(p for p in v["path"].split("/") if p),
                        "volume_id": v["volume_id"],
                    }
                    for v in volumes
                ),
                key=str,
            )
        mount = step.get("mount_sha256")
        if not mount and not serialized:
            raise SpecError(f"{where} needs the function's source (mount_sha256) or serialized", field=where)
        run = {
            "mount_sha256": _sha256(mount, f"{where}.mount_sha256") if mount else None,
            "serialized": serialized or None,
            "kwargs": kwargs or None,
        }
    elif kind == "env":
        env = step.get("vars")
        if not isinstance(env, dict) or not env:
            raise SpecError(f"{where}.vars must be a non-empty object of strings", field=f"{where}.vars")
        for k, v in env.items():
            if not ENV_NAME.match(k) or not isinstance(v, str) or "\x00" in v or "\n" in v:
                raise SpecError(
                    f"{where}.vars: {k!r} must be a variable name with a one-line string value",
                    field=f"{where}.vars",
                )
        out["vars"] = dict(sorted(env.items()))
    elif kind == "workdir":
        path = _str(step.get("path"), f"{where}.path", max_len=1024)
        if not path.startswith("/") or "\n" in path:
            raise SpecError(f"{where}.path must be an absolute path", field=f"{where}.path")
        out["path"] = path
    elif kind == "entrypoint":
        out["entrypoint"] = _str_list(step.get("entrypoint"), f"{where}.entrypoint")
    elif kind == "dockerfile_commands":
        commands = _str_list(step.get("commands"), f"{where}.commands", allow_empty=False)
        try:
            parse_dockerfile("\n".join(commands), where=f"{where}.commands", allow_from=False)
        except SpecError as exc:
            raise SpecError(str(exc), field=f"{where}.commands", hint=exc.hint) from None
        out["commands"] = commands
        ctx = step.get("context_sha256")
        out["context_sha256"] = _sha256(ctx, f"{where}.context_sha256") if ctx else None
    elif kind == "copy_local":
        out["sha256"] = _sha256(step.get("sha256"), f"{where}.sha256")
        target = _str(step.get("target"), f"{where}.target", max_len=1024)
        if not target.startswith("/"):
            raise SpecError(
                f"{where}.target must be an absolute path in the container", field=f"{where}.target"
            )
        out["target"] = target
        out["type"] = step.get("type") if step.get("type") in ("dir", "file") else "dir"
        out["name"] = _opt_str(step.get("name"), f"{where}.name")
        if out["type"] == "file" and not out["name"]:
            raise SpecError(f"{where}.name is required to copy a file", field=f"{where}.name")
    elif kind == "add_python":
        version = _str(step.get("python_version"), f"{where}.python_version", max_len=8)
        if not PYTHON_VERSION.match(version):
            raise SpecError(f"{where}.python_version must look like '3.11'", field=where)
        out["python_version"] = version
    return out, run


def describe_step(step: dict) -> str:
    """A one-line, human description of a canonical step, as build logs and errors show it."""
    kind = step["kind"]
    if kind == "base":
        base = step["base"]
        if base == "debian_slim":
            return f"FROM debian_slim (Python {step['python_version']})"
        if base == "from_registry":
            return f"FROM {step['tag']}"
        if base == "from_dockerfile":
            return "FROM Dockerfile"
        return f"FROM micromamba (Python {step['python_version']})"
    if kind in ("pip_install", "uv_pip_install", "apt_install", "micromamba_install"):
        return f"{kind}({', '.join(step['packages'])})"
    if kind == "pip_install_from_requirements":
        return "pip_install_from_requirements(...)"
    if kind == "run_commands":
        shown = "; ".join(step["commands"])
        return f"run_commands({shown[:200]}{'…' if len(shown) > 200 else ''})"
    if kind == "run_function":
        name = step["qualname"] + (f".{step['method']}" if step.get("method") else "")
        return f"{'build' if step.get('method') else 'run_function'}({step['module']}.{name})"
    if kind == "env":
        return "env(" + ", ".join(f"{k}=…" for k in step["vars"]) + ")"
    if kind == "workdir":
        return f"workdir({step['path']})"
    if kind == "entrypoint":
        return f"entrypoint({step['entrypoint']})"
    if kind == "dockerfile_commands":
        return "dockerfile_commands(" + "; ".join(c.split(" ", 1)[0] for c in step["commands"]) + ")"
    if kind == "copy_local":
        return f"copy local files to {step['target']}"
    if kind == "add_python":
        return f"add_python({step['python_version']})"
    return kind


def _canonical_base(
    spec: dict, python_versions: dict[str, str], conda_channels: list[str]
) -> tuple[dict, dict]:
    base = spec.get("base") or "debian_slim"
    if base not in BASES:
        raise SpecError(
            f"Unknown image base {base!r}.", field="image.base", hint="Bases: " + ", ".join(BASES)
        )
    run: dict = {}
    if base in ("debian_slim", "micromamba"):
        version = spec.get("python_version") or _default_python(python_versions)
        if not isinstance(version, str) or not PYTHON_VERSION.match(version):
            raise SpecError(
                f"python_version must look like '3.11', got {version!r}", field="image.python_version"
            )
        if base == "debian_slim":
            if version not in python_versions:
                raise SpecError(
                    f"Python {version} cannot be provided by this server.",
                    field="image.python_version",
                    hint="Available Python versions: " + ", ".join(sorted(python_versions)),
                )
            return {
                "kind": "base",
                "base": base,
                "python_version": version,
                "ref": python_versions[version],
            }, run
        # The conda environment's tools (py-rattler) run with a debian_slim base's Python.
        tools = python_versions[_default_python(python_versions)]
        return {
            "kind": "base",
            "base": base,
            "python_version": version,
            "ref": tools,
            "tools_python": _default_python(python_versions),
            "tools": CONDA_TOOLS,
            "channels": list(conda_channels),
        }, run
    if base == "from_registry":
        tag = _str(spec.get("tag"), "image.tag", max_len=512)
        registry_host(tag)
        out = {"kind": "base", "base": base, "tag": tag}
        if spec.get("registry_secret_names"):
            run["registry_secret_names"] = spec["registry_secret_names"]
        return out, run
    text = _str(spec.get("dockerfile"), "image.dockerfile", max_len=1_000_000)
    instructions = parse_dockerfile(text)
    source = dockerfile_from(instructions)
    if "$" in source:
        raise SpecError(
            f"The Dockerfile's FROM names its image through a variable ({source}); Skylift needs to "
            "know which image it pulls.",
            field="image.dockerfile",
            hint="Write the image in the FROM line, e.g. FROM python:3.11-slim.",
        )
    if source.lower() != "scratch":
        registry_host(source)  # a malformed reference is refused here, not in the build
    ctx = spec.get("context_sha256")
    out = {
        "kind": "base",
        "base": base,
        "dockerfile": text,
        "from": dockerfile_from(instructions),
        "context_sha256": _sha256(ctx, "image.context_sha256") if ctx else None,
    }
    return out, run


def _conda_channels(channels: list[str], defaults, base: dict, where: str) -> list[str]:
    """A micromamba_install's channels: its own, or the server's when it names none."""
    if base["base"] != "micromamba":
        raise SpecError(
            f"{where}: micromamba_install needs an Image.micromamba() base",
            field=where,
            hint="Start the image with skylift.Image.micromamba(python_version=...).",
        )
    chosen = list(channels) or list(defaults)
    for channel in chosen:
        if channel.strip().lower().startswith("file:") and channel not in defaults:
            raise SpecError(
                f"{where}.channels: {channel!r} is a folder of the build host, which only the "
                "operator may offer (SKYLIFT_CONDA_CHANNELS)",
                field=f"{where}.channels",
            )
    return chosen


def _default_python(python_versions: dict[str, str]) -> str:
    return "3.11" if "3.11" in python_versions else sorted(python_versions)[-1]


def _mounts(value) -> list[dict]:
    if value in (None, []):
        return []
    if not isinstance(value, list) or len(value) > 100:
        raise SpecError("image.mounts must be a list", field="image.mounts")
    out = []
    for i, m in enumerate(value):
        where = f"image.mounts[{i}]"
        if not isinstance(m, dict):
            raise SpecError(f"{where} must be an object", field=where)
        target = _str(m.get("target"), f"{where}.target", max_len=1024)
        if not target.startswith("/") or target.rstrip("/") in (
            "",
            "/skylift",
            "/skylift/lib",
            "/skylift/io",
        ):
            raise SpecError(
                f"{where}.target must be an absolute path outside /skylift/lib and /skylift/io", field=where
            )
        kind = m.get("type") if m.get("type") in ("dir", "file") else "dir"
        entry = {"sha256": _sha256(m.get("sha256"), f"{where}.sha256"), "target": target, "type": kind}
        if kind == "file":
            entry["name"] = _str(m.get("name"), f"{where}.name", max_len=255)
        out.append(entry)
    return out


def plan_image(
    *,
    workspace_id: str,
    spec: dict,
    python_versions: dict[str, str],
    conda_channels: list[str] | tuple[str, ...] = ("conda-forge",),
) -> ImagePlan:
    """Validate a raw spec and compute its layers' identities. Raises SpecError."""
    if not isinstance(spec, dict):
        raise SpecError("image must be an object")
    spec, secrets = split_secrets(spec)
    steps = spec.get("steps") or []
    if not isinstance(steps, list) or len(steps) > MAX_STEPS:
        raise SpecError(f"image.steps must be a list of at most {MAX_STEPS} steps", field="image.steps")
    base, base_run = _canonical_base(spec, python_versions, list(conda_channels))
    force_all = _bool(spec.get("force_build"), "image.force_build")
    root = _sha({"v": BUILDER_VERSION, "workspace": workspace_id, "step": base})
    layers = [LayerPlan(hash=root, parent_hash=None, index=0, step={**base, "_run": base_run})]
    python_version = base.get("python_version", "")
    canonical_steps = []
    offset = 0
    if base["base"] == "micromamba":
        # The micromamba base needs its Python installed: an implicit first step.
        offset = 1
        steps = [
            {
                "kind": "micromamba_install",
                "packages": [f"python={python_version}", "pip"],
                "channels": [],
            },
            *steps,
        ]
    for i, raw in enumerate(steps, start=1):
        # Errors name the user's own steps: the micromamba base's implicit step is not one of them.
        where = f"image.steps[{i - 1 - offset}]" if i > offset else "image.python_version"
        canonical, run = _canonical_step(raw, where)
        if canonical["kind"] == "micromamba_install":
            canonical["channels"] = _conda_channels(canonical["channels"], conda_channels, base, where)
            canonical["tools"] = CONDA_TOOLS
        force = _bool(raw.get("force_build"), f"{where}.force_build")
        if canonical["kind"] == "add_python":
            python_version = canonical["python_version"]
            if python_version not in python_versions:
                raise SpecError(
                    f"add_python={python_version}: Python {python_version} cannot be provided by this server.",
                    field=where,
                    hint="Available Python versions: " + ", ".join(sorted(python_versions)),
                )
        parent = layers[-1].hash
        digest = _sha({"v": BUILDER_VERSION, "parent": parent, "step": canonical})
        layers.append(
            LayerPlan(hash=digest, parent_hash=parent, index=i, step={**canonical, "_run": run}, force=force)
        )
        canonical_steps.append({**canonical, **({"force_build": True} if force else {})})
    mounts = _mounts(spec.get("mounts"))
    stored = {k: v for k, v in base.items() if k != "kind"}
    stored["steps"] = canonical_steps
    if mounts:
        stored["mounts"] = mounts
    if base_run.get("registry_secret_names"):
        stored["registry_secret_names"] = base_run["registry_secret_names"]
    image_hash = _sha({"layer": layers[-1].hash, "mounts": mounts})
    return ImagePlan(
        layers=layers,
        mounts=mounts,
        canonical=stored,
        python_version=python_version,
        image_hash=image_hash,
        force_all=force_all,
        ignore_cache=_bool(spec.get("ignore_cache"), "image.ignore_cache"),
        secrets={k if k == "base" else str(int(k) + offset): v for k, v in secrets.items()},
    )


def shell_join(args: list[str]) -> str:
    return " ".join(shlex.quote(a) for a in args)
