"""GPUs: a host's devices, and how a function's `gpu=` request is met by them.

A host's inventory is a list of devices (`Device`): its index, UUID, model by Modal's type names
("H100", "A100-40GB", ...), memory in MiB and health. The agent reads it from NVML (the
`nvidia-ml-py` bindings) where an NVIDIA driver is present; otherwise from the operator's
declaration (SKYLIFT_HOST_GPUS), and then the devices are *simulated*: the host records
`gpu_source = "declared"`, and its containers get the visible-device variables but no device
request (no NVIDIA runtime could honour one).

The rules of a request (Modal's guide, "GPU acceleration"): a spec is a type with a count
("H100:8"); a request is an ordered list of specs, the first that can be met wins; "any" takes
any type (the least sought-after first, so the big ones stay free); "A100" means the 40 GB one;
an "H100" may be given an "H200" (an upgrade at no cost) unless it is written "H100!". Every
device of one spec is of one model, on one host.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from skylift.contract import InvalidError, parse_gpu

__all__ = [
    "ANY_ORDER",
    "UPGRADES",
    "Device",
    "Fit",
    "declared_devices",
    "fit",
    "fit_free",
    "free_by_model",
    "healthy",
    "inventory",
    "model_name",
    "nvml_devices",
    "parse_request",
    "visible_devices",
]

log = logging.getLogger(__name__)

# The models "any" takes, in the order it takes them: the cheapest, most plentiful first.
ANY_ORDER = ("T4", "L4", "A10G", "A100-40GB", "L40S", "A100-80GB", "H100", "H200", "B200")
# What a request for a model may also be given, after the model itself ("H100!" forbids it).
UPGRADES = {"H100": ("H200",)}
# Nominal memory (MiB) of each model, for declared devices.
MEMORY_MIB = {
    "T4": 16 * 1024,
    "L4": 24 * 1024,
    "A10G": 24 * 1024,
    "A100-40GB": 40 * 1024,
    "A100-80GB": 80 * 1024,
    "L40S": 48 * 1024,
    "H100": 80 * 1024,
    "H200": 141 * 1024,
    "B200": 180 * 1024,
}
_SIMULATED_NAMESPACE = uuid.UUID("8e0f3c52-5a4e-4c1e-9a57-4b0c1f2f6a11")


class Device(TypedDict):
    index: int
    uuid: str
    model: str
    memory: int  # MiB
    healthy: bool


def _canonical(kind: str) -> str:
    """A type of a spec as a device model: "A100" is the 40 GB A100."""
    return "A100-40GB" if kind == "A100" else kind


@dataclass(frozen=True)
class Want:
    """One spec of a request: `count` devices of one of `models` (in order of preference)."""

    spec: str
    models: tuple[str, ...]
    count: int
    any: bool = False


def parse_request(gpu: str | Sequence[str] | None) -> list[Want]:
    """A function's stored `gpu` ("H100:2,A100") as its specs in order of preference."""
    specs = parse_gpu(gpu.split(",") if isinstance(gpu, str) else gpu) if gpu else []
    wants = []
    for spec in specs:
        kind, _, count = spec.partition(":")
        strict = kind.endswith("!")
        kind = _canonical(kind.rstrip("!"))
        if kind == "any":
            wants.append(Want(spec, ANY_ORDER, int(count or 1), any=True))
        else:
            upgrades = () if strict else UPGRADES.get(kind, ())
            wants.append(Want(spec, (kind, *upgrades), int(count or 1)))
    return wants


@dataclass(frozen=True)
class Fit:
    """How a host meets a request: which spec (its rank in the list), which model (its rank among
    the spec's models: 0 is the model asked for), and the devices it gets."""

    spec: str
    rank: int
    model: str
    model_rank: int
    devices: tuple[int, ...]
    left: int  # free devices of that model the host keeps after this


def as_devices(entries: Iterable[Device | str]) -> list[Device]:
    """A host's inventory as devices. Rows written before devices were recorded list type names
    ("A100"): each is a device, indexed in the order listed."""
    devices: list[Device] = []
    for index, entry in enumerate(entries):
        if isinstance(entry, str):
            model = _canonical(entry.partition(":")[0].rstrip("!"))
            devices.append(
                Device(index=index, uuid="", model=model, memory=MEMORY_MIB.get(model, 0), healthy=True)
            )
        else:
            devices.append(entry)
    return devices


def healthy(devices: Iterable[Device | str]) -> list[Device]:
    return [d for d in as_devices(devices) if d.get("healthy", True)]


def free_by_model(devices: Iterable[Device | str], used: Iterable[int] = ()) -> dict[str, list[int]]:
    """The healthy devices not in `used`, their indices by model (in inventory order)."""
    taken = set(used)
    free: dict[str, list[int]] = {}
    for d in healthy(devices):
        if d["index"] not in taken:
            free.setdefault(d["model"], []).append(d["index"])
    return free


def fit(
    wants: Sequence[Want],
    devices: Iterable[Device],
    used: Iterable[int] = (),
    keep: Mapping[str, int] | None = None,
) -> Fit | None:
    """The first spec of the request that the host's free, healthy devices meet, or None.

    `keep`: devices of a model that must stay free (another request waits for them). Devices are
    taken lowest index first (neighbours share the fastest links on most boards).
    """
    return fit_free(wants, free_by_model(devices, used), keep)


def fit_free(
    wants: Sequence[Want], free: Mapping[str, Sequence[int]], keep: Mapping[str, int] | None = None
) -> Fit | None:
    """`fit` over a host's free devices by model (`free_by_model`). Where only how many are free
    is known, any distinct indices stand for them (`range(n)`): the fit says whether and how, and
    its devices are those stand-ins."""
    keep = keep or {}
    for rank, want in enumerate(wants):
        models = list(want.models)
        if want.any:  # and the models Skylift has no name for, last
            models += sorted(m for m in free if m not in ANY_ORDER)
        for model_rank, model in enumerate(models):
            indices = sorted(free.get(model, ()))
            left = len(indices) - want.count
            if left >= 0 and left >= keep.get(model, 0):
                return Fit(want.spec, rank, model, model_rank, tuple(indices[: want.count]), left)
    return None


def describe(wants: Sequence[Want]) -> str:
    return " or ".join(repr(w.spec) for w in wants)


# Inventory ---------------------------------------------------------------------------------------


def model_name(name: str, memory_mib: int) -> str:
    """An NVML device name ("NVIDIA A100-SXM4-80GB", "Tesla T4") as Modal's type name; the name
    itself for a model Skylift has no type for (such a device serves only "any")."""
    upper = name.upper().replace("NVIDIA", "").replace("TESLA", "").strip()
    compact = upper.replace(" ", "").replace("-", "")
    if compact.startswith("A100"):
        return "A100-80GB" if memory_mib > 60 * 1024 or "80GB" in compact else "A100-40GB"
    for model in ("H200", "H100", "B200", "L40S", "A10G", "T4", "L4"):
        if compact.startswith(model):
            return model
    if compact == "A10" or compact.startswith("A10PCIE"):
        return "A10G"
    return name.strip()


def declared_devices(entries: Iterable[str], host_name: str) -> list[Device]:
    """SKYLIFT_HOST_GPUS ("A100:2", "H100") as simulated devices, indexed in the order declared,
    with UUIDs stable for the host's name. Raises InvalidError on a type Skylift does not know."""
    devices: list[Device] = []
    for entry in entries:
        if not entry.strip():
            continue
        for spec in parse_gpu(entry.strip()):
            kind, _, count = spec.partition(":")
            model = _canonical(kind.rstrip("!"))
            if model == "any":
                raise InvalidError(f"SKYLIFT_HOST_GPUS names device types; 'any' is not one ({entry!r})")
            for _ in range(int(count or 1)):
                index = len(devices)
                devices.append(
                    Device(
                        index=index,
                        uuid=f"GPU-{uuid.uuid5(_SIMULATED_NAMESPACE, f'{host_name}/{index}')}",
                        model=model,
                        memory=MEMORY_MIB[model],
                        healthy=True,
                    )
                )
    return devices


def nvml_devices() -> list[Device] | None:
    """This machine's NVIDIA devices from NVML, or None when there is no driver (or no bindings).

    A device NVML cannot describe is reported unhealthy: nothing is placed on it.
    """
    try:
        import pynvml
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        return None
    try:
        devices: list[Device] = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            try:
                handle = pynvml.nvmlDeviceGetHandleByIndex(index)
                name = _text(pynvml.nvmlDeviceGetName(handle))
                memory = int(pynvml.nvmlDeviceGetMemoryInfo(handle).total) // (1024 * 1024)
                devices.append(
                    Device(
                        index=index,
                        uuid=_text(pynvml.nvmlDeviceGetUUID(handle)),
                        model=model_name(name, memory),
                        memory=memory,
                        healthy=True,
                    )
                )
            except pynvml.NVMLError as exc:
                log.warning("GPU %d does not answer NVML (%s): not placing on it", index, exc)
                devices.append(Device(index=index, uuid="", model="unknown", memory=0, healthy=False))
        return devices
    finally:
        pynvml.nvmlShutdown()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def inventory(declared: Iterable[str], host_name: str) -> tuple[list[Device], str]:
    """This host's devices and where they come from: "nvml" (real), "declared" (simulated), or
    "" (none). A driver's devices win over a declaration."""
    found = nvml_devices()
    if found:
        return found, "nvml"
    devices = declared_devices(declared, host_name)
    return devices, ("declared" if devices else "")


def visible_devices(
    devices: Sequence[Device], indices: Iterable[int], *, real: bool, request: bool | None = None
) -> dict[str, Any]:
    """How a container gets its devices: the Docker device request (`request`, by default for
    real devices only: `Host.device_requests`) and the environment that names them. UUIDs, not
    indices: inside the container the devices are numbered from 0, while a UUID names the same
    device everywhere (CUDA and the NVIDIA runtime both accept them)."""
    by_index = {d["index"]: d for d in devices}
    chosen = [by_index[i] for i in sorted(indices)]
    if not chosen:
        return {"device_ids": [], "environment": {}}
    uuids = [d["uuid"] for d in chosen]
    environment = {
        "NVIDIA_VISIBLE_DEVICES": ",".join(uuids),
        "CUDA_VISIBLE_DEVICES": ",".join(uuids),
        "SKYLIFT_GPU_DEVICES": ",".join(str(d["index"]) for d in chosen),
        "SKYLIFT_GPU_TYPE": chosen[0]["model"],
    }
    if not real:
        environment["SKYLIFT_GPU_SIMULATED"] = "1"
    return {"device_ids": uuids if (real if request is None else request) else [], "environment": environment}
