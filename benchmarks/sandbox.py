"""The sandbox benchmark: create to first output against the `docker run` floor, with and without
the pool of pre-started sandbox containers, and the exec round trip on a running sandbox against
`docker exec`.

    .venv/bin/python benchmarks/sandbox.py [--runs 50] [--execs 50]

Side by side in one run on this machine, on the real embedded platform (started and stopped here):

1. without a pool (the workspace's `sandbox_pool_size` set to 0): the floor, `docker run --rm
   <image> echo hi` with Skylift's flags, and `Sandbox.create()` to the first line of
   `exec("echo", "hi")`, interleaved run by run (each sandbox terminated after);
2. with the pool (the default size): the same pairs; each create is counted as served by the pool
   or not (a create that finds the pool still refilling starts its own container);
3. on one running sandbox, `exec("true")` to its exit code, and `docker exec <container> true`.

It prints p50 and p95 of each, with issue 18's targets (create to first output <= floor + 0.1 s
without a pool, <= 0.15 s with one; exec <= 1.2 x docker exec), and writes
benchmarks/results/sandbox-<commit>.json. Nothing here is a test: it asserts no durations, it
reports them.
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


def create_to_first_output(client, image) -> tuple[float, float, str]:
    """Seconds from Sandbox.create() to its return (the sandbox runs), and to the first output; its id."""
    import skylift

    t0 = time.perf_counter()
    sb = skylift.Sandbox.create(image=image, client=client)
    created = time.perf_counter() - t0
    process = sb.exec("echo", "hi")
    next(iter(process.stdout))
    elapsed = time.perf_counter() - t0
    process.wait()
    sb.terminate()
    return created, elapsed, sb.object_id


def _pool_size(plat, size: int | None) -> None:
    plat.sql("UPDATE accounts_workspace SET sandbox_pool_size = %s", [size])


def _pool_ready(plat, want: int, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ((ready,),) = plat.sql("SELECT count(*) FROM functions_sandbox WHERE pool AND status = 'running'")
        if ready >= want:
            return
        time.sleep(0.2)
    raise RuntimeError(f"the sandbox pool did not fill to {want} in {seconds:.0f} s")


def _phase(plat, client, image, ref, runs: int) -> dict[str, list[float]]:
    floor, returned, created, pooled = [], [], [], []
    for _ in range(runs):
        floor.append(floor_once(ref, hardened_flags(), ["echo", "hi"]))
        create, first, sandbox_id = create_to_first_output(client, image)
        returned.append(create)
        created.append(first)
        ((pooled_at,),) = plat.sql("SELECT pooled_at FROM functions_sandbox WHERE id = %s", [sandbox_id])
        pooled.append(pooled_at is not None)
    return {"floor": floor, "returned": returned, "created": created, "pooled": pooled}


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
        _pool_size(plat, 0)
        create_to_first_output(client, image)  # the first one pulls nothing, but warms the paths
        cold = _phase(plat, client, image, ref, args.runs)
        _pool_size(plat, None)  # the platform's default size
        create_to_first_output(client, image)  # its image's pool starts
        _pool_ready(plat, 2)
        warm = _phase(plat, client, image, ref, args.runs)
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
    raw = {
        "floor_docker_run": cold["floor"] + warm["floor"],
        "create_returned_no_pool": cold["returned"],
        "create_to_first_output_no_pool": cold["created"],
        # Each run's create-to-first-output less the floor measured just before it: on a busy
        # machine the pairs move together, their difference far less than either.
        "gap_to_floor_no_pool": [c - f for c, f in zip(cold["created"], cold["floor"], strict=True)],
        "create_returned_pool": warm["returned"],
        "create_to_first_output_pool": warm["created"],
        "create_to_first_output_served_by_pool": [
            c for c, p in zip(warm["created"], warm["pooled"], strict=True) if p
        ],
        "exec_round_trip": execs,
        "docker_exec": docker_execs,
    }
    results: dict = {"benchmark": "sandbox", "commit": commit_id()[0], "machine": machine_info()}
    for key, values in raw.items():
        results[key] = summary(values)
        results[key]["p95"] = percentile(values, 95)
    results["served_by_pool"] = f"{sum(warm['pooled'])} of {len(warm['pooled'])}"
    rows = [
        ("floor: docker run --rm (Skylift's flags) echo hi", "floor_docker_run"),
        ("no pool: Sandbox.create() returned (its container runs)", "create_returned_no_pool"),
        ("no pool: create() to first line of exec('echo', 'hi')", "create_to_first_output_no_pool"),
        ("  the same less the floor of its run (paired)", "gap_to_floor_no_pool"),
        ("pool: Sandbox.create() returned", "create_returned_pool"),
        ("pool: create() to first line of exec('echo', 'hi')", "create_to_first_output_pool"),
        ("  those served by the pool only", "create_to_first_output_served_by_pool"),
        ("docker exec <container> true", "docker_exec"),
        ("sb.exec('true').wait()", "exec_round_trip"),
    ]
    for name, key in rows:
        stats = results[key]
        if stats["n"]:
            print(f"{name:58} p50 {secs(stats['median']):>8}  p95 {secs(stats['p95']):>8}")
    print(f"creates served by the pool: {results['served_by_pool']}")
    out = HERE / "results" / f"sandbox-{results['commit']}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    say(f"wrote {out}")


if __name__ == "__main__":
    main()
