"""The options of `@app.function()`, `@app.cls()` and `with_options()`: checked, and in their API form.

Functions, classes and apps all read them; this module needs none of those, so each may import it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from ._exceptions import InvalidError
from ._image import Image
from ._retries import Retries
from ._secret import Secret, secret_refs
from ._unsupported import check_modal_options
from ._volume import Volume, volume_mounts
from .contract.clusters import check_i6pn
from .contract.resources import (
    parse_gpu,
    validate_cpu,
    validate_memory,
    validate_retries,
    validate_scaling,
    validate_timeout,
)

__all__ = ["OPTION_NAMES", "options_spec", "parse_options"]

# Skylift's options of @app.function() / @app.cls(), as parse_options() takes them.
OPTION_NAMES = (
    "image",
    "cpu",
    "memory",
    "gpu",
    "timeout",
    "secrets",
    "env",
    "volumes",
    "scaledown_window",
    "block_network",
    "i6pn",
    "restrict_modal_access",
    "retries",
    "min_containers",
    "max_containers",
    "buffer_containers",
    "max_inputs",
    "single_use_containers",
    "serialized",
    "include_source",
)


def parse_options(
    *,
    image: Image | None = None,
    cpu: float | tuple[float, float] | None = None,
    memory: int | tuple[int, int] | None = None,
    gpu: str | list[str] | None = None,
    timeout: int = 300,
    secrets: Sequence[Secret] = (),
    env: dict[str, str | None] | None = None,
    scaledown_window: int | None = None,
    block_network: bool = False,
    i6pn: bool | None = None,
    restrict_modal_access: bool = False,
    retries: int | Retries | None = None,
    min_containers: int | None = None,
    max_containers: int | None = None,
    buffer_containers: int | None = None,
    max_inputs: int | None = None,
    serialized: bool = False,
    volumes: dict[str | PurePosixPath, Volume] | None = None,
    single_use_containers: bool = False,
    include_source: bool | None = None,
    **modal_options: Any,
) -> dict[str, Any]:
    """Validate the options of `@app.function` / `@app.cls` / `with_options`, raising InvalidError.

    `single_use_containers=True` is `max_inputs=1`, as Modal documents it. `include_source` is
    checked and changes nothing: Skylift always sends a function's own module (or package) with
    it, so a program that also puts its source in the image runs the same. Modal's options that
    Skylift does not take are refused by name (unless given Modal's default, which asks for
    nothing); an option Modal does not have either is a TypeError listing Skylift's.
    """
    check_modal_options(modal_options, OPTION_NAMES)
    if not isinstance(single_use_containers, bool):
        raise InvalidError(f"single_use_containers must be True or False, got {single_use_containers!r}")
    if single_use_containers:
        if max_inputs not in (None, 1):
            raise InvalidError(
                f"single_use_containers=True means max_inputs=1; it cannot go with max_inputs={max_inputs!r}"
            )
        max_inputs = 1
    if include_source is not None and not isinstance(include_source, bool):
        raise InvalidError(f"include_source must be True, False or None, got {include_source!r}")
    options: dict[str, Any] = {
        "timeout": validate_timeout(timeout),
        "gpu": parse_gpu(gpu),
        "block_network": bool(block_network),
        "i6pn": check_i6pn(i6pn, block_network),
        "restrict_modal_access": _flag("restrict_modal_access", restrict_modal_access),
        "serialized": bool(serialized),
        "retries": validate_retries(retries.to_dict() if isinstance(retries, Retries) else retries),
        **validate_scaling(
            min_containers=min_containers,
            max_containers=max_containers,
            buffer_containers=buffer_containers,
            max_inputs=max_inputs,
        ),
    }
    if cpu is not None:
        options["cpu"] = validate_cpu(cpu)
    if memory is not None:
        options["memory"] = validate_memory(memory)
    if image is not None and not isinstance(image, Image):
        raise InvalidError(f"image must be a skylift.Image, got {type(image).__name__}")
    options["image"] = image
    options["volumes"] = volume_mounts(volumes)
    if not isinstance(secrets, (list, tuple)) or not all(isinstance(x, Secret) for x in secrets):
        raise InvalidError("secrets must be a list of skylift.Secret objects, e.g. [Secret.from_name('db')]")
    # env={...} is an inline secret after the others (Modal's rule), so its variables win.
    options["secrets"] = [*secrets, *([Secret.from_dict(env)] if env else [])]
    if scaledown_window is not None:
        if (
            isinstance(scaledown_window, bool)
            or not isinstance(scaledown_window, int)
            or not (1 <= scaledown_window <= 86400)
        ):
            raise InvalidError(
                f"scaledown_window must be whole seconds from 1 to 86400, got {scaledown_window!r}"
            )
        options["scaledown_window"] = scaledown_window
    return options


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidError(f"{name} must be True or False, got {value!r}")
    return value


def options_spec(options: dict[str, Any]) -> dict[str, Any]:
    """The API form of validated options (what a function or a variant sends)."""
    spec: dict[str, Any] = {
        "timeout": options["timeout"],
        "gpu": options["gpu"] or None,
        "block_network": options["block_network"],
        "retries": options["retries"],
        "min_containers": options["min_containers"],
        "max_containers": options["max_containers"],
        "buffer_containers": options["buffer_containers"],
        "max_inputs": options["max_inputs"],
    }
    for key in ("cpu", "memory"):
        if key in options:
            request, limit = options[key]
            spec[key] = [request, limit] if limit is not None else request
    if "scaledown_window" in options:
        spec["scaledown_window"] = options["scaledown_window"]
    if options.get("restrict_modal_access"):
        spec["restrict_modal_access"] = True
    if options.get("i6pn"):
        spec["i6pn"] = True
    if options.get("secrets"):
        spec["secrets"] = secret_refs(options["secrets"])
    if options.get("volumes"):
        spec["volumes"] = [{"path": p, "volume_id": v.object_id} for p, v in options["volumes"].items()]
    return spec
