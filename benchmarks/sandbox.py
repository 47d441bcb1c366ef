"""The sandbox benchmark: create to first output against the `docker run` floor, and the exec
round trip on a running sandbox against `docker exec`.

    .venv/bin/python benchmarks/sandbox.py [--runs 50] [--execs 50]

Side by side in one run on this machine, on the real embedded platform (started and stopped here):

1. the floor, `docker run --rm <image> echo hi` with Skylift's flags, and `Sandbox.create()` to
   the first line of `exec("echo", "hi")`, interleaved run by run (each sandbox terminated after);
2. on one running sandbox, `exec("true")` to its exit code, and `docker exec <container> true`.

It prints p50 and p95 of each, with issue 18's targets (create to first output <= floor + 0.1 s;
exec <= 1.2 x docker exec), and writes benchmarks/results/sandbox-<commit>.json. Nothing here is a
test: it asserts no durations, it reports them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _platform import HERE, EmbeddedPlatform, commit_id, machine_info, percentile, say, secs, summary  # noqa: E402
from foundation import floor_once, hardened_flags  # noqa: E402


def create_to_first_output(client, image) -> tuple[float, float]:
    """Seconds from Sandbox.create() to its return (the sandbox runs), and to the first output."""
    import skylift

    t0 = time.perf_counter()
    sb = skylift.Sandbox.create(image=image, client=client)
    created = time.perf_counter() - t0
    process = sb.exec("echo", "hi")
    next(iter(process.stdout))
    elapsed = time.perf_counter() - t0
    process.wait()
    sb.terminate()
    return created, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--execs", type=int, default=50)
    args = parser.parse_args()
    import skylift

    plat = EmbeddedPlatform()
    plat.start()
    try:
        client = plat.client()
        image = skylift.Image.debian_slim()
        from skylift._build import image_build

        _, record = image_build(client, image, show_logs=False)
        ref = record["docker_ref"]
        create_to_first_output(client, image)  # the first one pulls nothing, but warms the paths
        floor, created, returned = [], [], []
        for _ in range(args.runs):
            floor.append(floor_once(ref, hardened_flags(), ["echo", "hi"]))
            create, first = create_to_first_output(client, image)
            returned.append(create)
            created.append(first)
        sb = skylift.Sandbox.create(image=image, client=client)
        container = plat.sql("SELECT container_id FROM functions_sandbox WHERE id = %s", [sb.object_id])[0][0]
        execs, docker_execs = [], []
        for _ in range(args.execs):
            t0 = time.perf_counter()
            sb.exec("true").wait()
            execs.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            subprocess.run(["docker", "exec", container, "true"], check=True)
            docker_execs.append(time.perf_counter() - t0)
        sb.terminate()
    finally:
        plat.stop()
    results = {
        "benchmark": "sandbox",
        "commit": commit_id()[0],
        "machine": machine_info(),
        "floor_docker_run": summary(floor),
        "create_returned": summary(returned),
        "create_to_first_output": summary(created),
        # Each run's create-to-first-output less the floor measured just before it: on a busy
        # machine the pairs move together, their difference far less than either.
        "gap_to_floor": summary([c - f for c, f in zip(created, floor, strict=True)]),
        "exec_round_trip": summary(execs),
        "docker_exec": summary(docker_execs),
    }
    rows = [
        ("floor: docker run --rm (Skylift's flags) echo hi", results["floor_docker_run"]),
        ("Sandbox.create() returned (its container runs)", results["create_returned"]),
        ("Sandbox.create() to first line of exec('echo', 'hi')", results["create_to_first_output"]),
        ("  the same less the floor of its run (paired)", results["gap_to_floor"]),
        ("docker exec <container> true", results["docker_exec"]),
        ("sb.exec('true').wait()", results["exec_round_trip"]),
    ]
    raw = {
        "floor_docker_run": floor,
        "create_returned": returned,
        "create_to_first_output": created,
        "gap_to_floor": [c - f for c, f in zip(created, floor, strict=True)],
        "exec_round_trip": execs,
        "docker_exec": docker_execs,
    }
    for key, values in raw.items():
        results[key]["p95"] = percentile(values, 95)
    for name, stats in rows:
        print(f"{name:58} p50 {secs(stats['median']):>8}  p95 {secs(stats['p95']):>8}")
    out = HERE / "results" / f"sandbox-{results['commit']}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    say(f"wrote {out}")


if __name__ == "__main__":
    main()
