"""The web endpoint benchmark (issue 14), side by side with the same app run directly under uvicorn.

    benchmarks/setup.sh                      # once: the baseline's venv (.cache/bench-venv: fastapi, uvicorn)
    .venv/bin/python benchmarks/web.py

On the embedded platform (`skylift server start --background` in a temporary data dir), one run:

1. deploys benchmarks/bench_web_functions.py: a trivial FastAPI app (`@asgi_app`, one warm
   container, `@concurrent(max_inputs=64)`) and starts the same app directly under uvicorn (one
   worker, uvloop and httptools, as `uvicorn[standard]` runs it) from the baseline venv;
2. requests per second and p50/p99 latency of `GET /` through the gateway and directly, at 1 and
   32 concurrent clients (keep-alive connections, `--seconds` each, alternating the two), from one
   asyncio load generator on this machine;
3. streaming time to first byte (a response of three events 0.5 s apart), through the gateway and
   directly, `--ttfb` of each per round (the first of a round follows the 32-client load);
4. cold requests: the first request of a new pool (a class parameter value never used, so no
   container runs) until its answer, against the `docker run --rm <image> python3 -c pass` floor.

Targets: throughput >= 0.5x direct uvicorn (aim 0.8x); p50 added latency <= 2 ms at 1 client.
Medians, side by side. Writes benchmarks/results/web-<commit>.json. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _platform import EmbeddedPlatform, commit_id, free_port, machine_info, percentile, say  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BENCH_VENV = Path(os.environ.get("BENCH_VENV", REPO / ".cache" / "bench-venv"))


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes) -> bytes:
    writer.write(head)
    headers = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in headers.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return await reader.readexactly(length)


async def _load(host: str, port: int, path: str, host_header: str, clients: int, seconds: float) -> dict:
    """`clients` keep-alive connections sending GETs back to back for `seconds`."""
    head = f"GET {path} HTTP/1.1\r\nhost: {host_header}\r\n\r\n".encode()
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def client() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        await _request(reader, writer, head)  # warm the connection
        while time.perf_counter() < stop:
            started = time.perf_counter()
            await _request(reader, writer, head)
            latencies.append(time.perf_counter() - started)
        writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    took = time.perf_counter() - began
    return {
        "requests": len(latencies),
        "rps": len(latencies) / took,
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 99),
    }


async def _first_byte(host: str, port: int, path: str, host_header: str) -> float:
    reader, writer = await asyncio.open_connection(host, port)
    started = time.perf_counter()
    writer.write(f"GET {path} HTTP/1.1\r\nhost: {host_header}\r\n\r\n".encode())
    await reader.readuntil(b"\r\n\r\n")
    await reader.readuntil(b"data: 0")
    took = time.perf_counter() - started
    writer.close()
    return took


def _floor(image: str) -> float:
    started = time.perf_counter()
    subprocess.run(["docker", "run", "--rm", image, "python3", "-c", "pass"], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="each load measure (default 5)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating rounds of each measure (default 3)"
    )
    parser.add_argument(
        "--ttfb", type=int, default=10, help="streams' first bytes measured per round and side (default 10)"
    )
    parser.add_argument(
        "--cold", type=int, default=5, help="cold requests and docker run floors (default 5; 0 skips them)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the platform's data directory and logs")
    parser.add_argument("--output", type=Path, help="where to write the JSON (default benchmarks/results/)")
    args = parser.parse_args()
    python = BENCH_VENV / "bin" / "python"
    if not python.exists():
        say(f"{python} is missing: run benchmarks/setup.sh first (the direct uvicorn baseline runs from it)")
        return 2

    commit, dirty = commit_id()
    results: dict = {
        "benchmark": "web",
        "commit": commit,
        "dirty": dirty,
        "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "config": {"seconds": args.seconds, "rounds": args.rounds, "ttfb": args.ttfb, "cold": args.cold},
    }
    plat = EmbeddedPlatform(keep=args.keep)
    direct_port = free_port()
    direct = None
    figures: dict[str, list[dict]] = {}
    ttfb: dict[str, list[float]] = {"gateway": [], "direct": []}
    cold: list[float] = []
    floors: list[float] = []
    try:
        plat.start()
        deployed = plat._cli("deploy", str(HERE / "bench_web_functions.py"), capture_output=True, text=True)
        if deployed.returncode != 0:
            raise RuntimeError(deployed.stdout + deployed.stderr)
        path = "/" + plat.sql("SELECT path FROM functions_webendpoint WHERE path LIKE %s", ["%/hello"])[0][0]
        cold_path = plat.sql("SELECT path FROM functions_webendpoint WHERE path LIKE %s", ["%/cold-ping"])[0][
            0
        ]
        image = plat.sql(
            "SELECT i.docker_ref FROM functions_function f JOIN builds_image i ON i.id = f.image_id "
            "WHERE f.name = 'hello' LIMIT 1"
        )[0][0]
        direct = subprocess.Popen(
            [
                str(python),
                "-m",
                "uvicorn",
                "bench_web_functions:direct_app",
                "--port",
                str(direct_port),
                "--workers",
                "1",
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=HERE,
            env={**os.environ, "BENCH_WEB_DIRECT": "1", "PYTHONPATH": str(REPO / "clients" / "python")},
        )
        gateway_path = f"/web{path}"
        import httpx

        for _ in range(600):  # the gateway's first request waits for the warm container
            try:
                if (
                    httpx.get(plat.url + gateway_path + "/", timeout=60).status_code == 200
                    and httpx.get(f"http://127.0.0.1:{direct_port}/", timeout=5).status_code == 200
                ):
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError("the gateway or the direct uvicorn did not answer:\n" + plat.logs())
        say("both servers answer; measuring")
        for _ in range(args.rounds):
            for clients in (1, 32):
                for side, port, target in (
                    ("gateway", plat.port, gateway_path + "/"),
                    ("direct", direct_port, "/"),
                ):
                    figures.setdefault(f"{side}_{clients}", []).append(
                        asyncio.run(_load("127.0.0.1", port, target, "127.0.0.1", clients, args.seconds))
                    )
            for _ in range(args.ttfb):
                ttfb["gateway"].append(
                    asyncio.run(_first_byte("127.0.0.1", plat.port, gateway_path + "/stream", "x"))
                )
                ttfb["direct"].append(asyncio.run(_first_byte("127.0.0.1", direct_port, "/stream", "x")))
        if args.cold:
            say("cold requests")
        for i in range(args.cold):
            floors.append(_floor(image))
            started = time.perf_counter()
            answer = httpx.get(f"{plat.url}/web/{cold_path}?run={int(time.time() * 1000) + i}", timeout=300)
            cold.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.text
    finally:
        if direct is not None:
            direct.terminate()
            direct.wait(timeout=30)
        plat.stop()

    def med(key: str, field: str) -> float:
        return statistics.median(r[field] for r in figures[key])

    results["load"] = {key: {f: med(key, f) for f in ("rps", "p50", "p99")} for key in figures}
    results["ttfb"] = {k: statistics.median(v) for k, v in ttfb.items()}
    if cold:
        results["cold"] = {
            "median": statistics.median(cold),
            "floor": statistics.median(floors),
            "runs": cold,
        }
    print()
    print(f"{'':28} {'gateway':>12} {'direct':>12} {'ratio':>8} {'target':>18}")
    for clients in (1, 32):
        g, d = results["load"][f"gateway_{clients}"], results["load"][f"direct_{clients}"]
        print(
            f"{f'req/s, {clients} client(s)':28} {g['rps']:>12,.0f} {d['rps']:>12,.0f} {g['rps'] / d['rps']:>7.2f}x {'>= 0.5x (0.8x)':>18}"
        )
        print(
            f"{f'p50, {clients} client(s)':28} {g['p50'] * 1000:>9.2f} ms {d['p50'] * 1000:>9.2f} ms {'':>8} "
            f"{'+<= 2 ms' if clients == 1 else '':>18}"
        )
        print(f"{f'p99, {clients} client(s)':28} {g['p99'] * 1000:>9.2f} ms {d['p99'] * 1000:>9.2f} ms")
    added = (results["load"]["gateway_1"]["p50"] - results["load"]["direct_1"]["p50"]) * 1000
    print(f"{'p50 added at 1 client':28} {added:>9.2f} ms")
    print(
        f"{'stream: first byte':28} {results['ttfb']['gateway'] * 1000:>9.2f} ms {results['ttfb']['direct'] * 1000:>9.2f} ms"
    )
    if cold:
        print(
            f"{'cold request vs docker run':28} {results['cold']['median']:>10.3f} s {results['cold']['floor']:>10.3f} s "
            f"{results['cold']['median'] / results['cold']['floor']:>7.2f}x"
        )
    results["added_p50_ms_1_client"] = added
    out = args.output or HERE / "results" / f"web-{commit}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    say(f"results in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
