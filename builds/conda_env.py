"""Install conda packages into an image's environment, with rattler (py-rattler): what
`Image.micromamba()` and `micromamba_install` run in a build container.

    python3 conda_env.py PREFIX CHANNELS_JSON SPEC...

Every spec ever asked for in the environment is kept in /opt/skylift-conda/specs.json and
solved again with the new ones, preferring what is installed, so that a later step adds to the
environment instead of replacing it. Channels are names (conda-forge), URLs, or file:// folders.
It runs with a skylift/debian-slim base's own Python and py-rattler installed next to it (see
builds/steps.py); no micromamba binary is needed, and none is left in the image.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

SPECS = Path("/opt/skylift-conda/specs.json")


async def main(prefix: Path, channels: list[str], specs: list[str]) -> int:
    from rattler import MatchSpec, PrefixRecord, install, solve

    meta = prefix / "conda-meta"  # rattler's: one record per installed package
    wanted_file = SPECS
    wanted = json.loads(wanted_file.read_text()) if wanted_file.exists() else []
    names = set()
    for spec in specs:
        try:
            names.add(MatchSpec(spec).name.normalized)
        except Exception as exc:  # noqa: BLE001 - rattler's parse errors say what is wrong
            print(f"{spec!r} is not a conda package spec: {exc}", file=sys.stderr, flush=True)
            return 1
    # This step's specs replace earlier steps' for the same packages (all of them kept together).
    wanted = [w for w in wanted if MatchSpec(w).name.normalized not in names] + list(specs)
    installed = [PrefixRecord.from_path(p) for p in sorted(meta.glob("*.json"))]
    print(f"solving {', '.join(wanted)} from {', '.join(channels)}", flush=True)
    try:
        records = await solve(
            channels, wanted, virtual_packages=_virtual_packages(), locked_packages=installed
        )
    except Exception as exc:  # the solver's and the gateway's errors say what is missing
        print(f"could not solve the environment: {exc}", file=sys.stderr, flush=True)
        return 1
    for record in sorted(records, key=lambda r: r.name.normalized):
        print(f"  {record.name.normalized} {record.version} {record.build} ({record.channel})", flush=True)
    await install(records, prefix, installed_packages=installed, show_progress=False)
    wanted_file.parent.mkdir(parents=True, exist_ok=True)
    wanted_file.write_text(json.dumps(wanted))
    return 0


def _virtual_packages():
    """The build host's virtual packages, except its CPU's micro-architecture: the image may run
    on any host of the platform (and be pushed to the shared registry), so it is solved for the
    architecture's baseline, not for this CPU."""
    import platform

    from rattler import BuildString, GenericVirtualPackage, PackageName, Version, VirtualPackage

    detected = [v.into_generic() for v in VirtualPackage.detect()]
    kept = [v for v in detected if v.name.normalized != "__archspec"]
    baseline = GenericVirtualPackage(PackageName("__archspec"), Version("1"), BuildString(platform.machine()))
    return [*kept, baseline]


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit("usage: conda_env.py PREFIX CHANNELS_JSON SPEC...")
    code = asyncio.run(main(Path(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3:]))
    sys.stdout.flush()
    sys.stderr.flush()
    # Not through the interpreter's finalisation, which rattler's native threads may outlive (a
    # SIGSEGV was seen once in about a dozen runs, after the install).
    os._exit(code)
