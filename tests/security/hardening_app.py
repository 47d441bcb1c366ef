"""An app whose containers the hardening inspector examines (one with the network blocked)."""

from __future__ import annotations

import os

import skylift

app = skylift.App("security-hardening")


def _interfaces() -> list[str]:
    with open("/proc/net/dev") as f:
        return sorted(line.split(":")[0].strip() for line in f.readlines()[2:])


@app.function()
def probe() -> dict:
    return {"uid": os.getuid(), "interfaces": _interfaces()}


@app.function(volumes={"/data": skylift.Volume.from_name("hardening-volume", create_if_missing=True)})
def volume_probe() -> dict:
    return {"uid": os.getuid(), "interfaces": _interfaces(), "data": os.listdir("/data")}


@app.function(block_network=True)
def offline_probe() -> dict:
    return {"uid": os.getuid(), "interfaces": _interfaces()}


@app.function()
def io_write_probe() -> dict:
    """Try to write beside the data-plane socket, in the folder mounted from the host."""
    try:
        with open("/skylift/io/filler", "wb") as f:
            f.write(b"x" * 1024 * 1024)
    except OSError as exc:
        return {"written": False, "errno": exc.errno, "listing": sorted(os.listdir("/skylift/io"))}
    return {"written": True, "listing": sorted(os.listdir("/skylift/io"))}
