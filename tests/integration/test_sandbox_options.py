"""Sandbox.create's options against real containers: secrets that reach the processes and not
Docker, volumes, reservations and limits, GPUs within the workspace's limit, and the network cut
or narrowed to an allowlist, proven with real traffic from inside to a listener outside."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

import skylift
from hosts import gpus

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(platform):
    return platform.client("alice")


def _until(probe, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("gave up waiting")


def _docker_inspect_text(container_id: str) -> str:
    return subprocess.run(
        ["docker", "inspect", container_id], capture_output=True, text=True, check=True
    ).stdout


def test_secrets_reach_the_processes_and_never_docker(client, platform):
    # given a named secret and an inline one, the sandbox's; and one given to a single exec
    skylift.Secret.objects.create(
        "sandbox-api",
        {"API_KEY": "named-value-7f3", "SHARED": "from-named"},
        allow_existing=True,
        client=client,
    )
    tricky = 'line one\nit\'s "quoted" $HOME `x` \\ 100% ✓'
    sb = skylift.Sandbox.create(
        "sh",
        "-c",
        'printf "%s|%s" "$API_KEY" "$INLINE" > /tmp/main.txt; sleep infinity',
        secrets=[skylift.Secret.from_name("sandbox-api"), skylift.Secret.from_dict({"INLINE": tricky})],
        client=client,
        timeout=120,
    )
    try:
        # then its own command saw them
        assert _until(lambda: sb.exec("cat", "/tmp/main.txt").stdout.read()) == f"named-value-7f3|{tricky}"
        # and an exec'd process sees them, with an exec's own secrets over them
        p = sb.exec(
            "sh",
            "-c",
            'printf "%s|%s|%s|%s" "$API_KEY" "$SHARED" "$ONLY_EXEC" "$INLINE"',
            secrets=[skylift.Secret.from_dict({"SHARED": "from-exec", "ONLY_EXEC": "e-9"})],
        )
        assert p.stdout.read() == f"named-value-7f3|from-exec|e-9|{tricky}"
        assert p.wait() == 0
        # and the exec's own secret is for that process only
        assert sb.exec("sh", "-c", 'printf "%s" "${ONLY_EXEC-unset}"').stdout.read() == "unset"
        # and stdin still reaches the command whole, after the secrets went in ahead of it
        cat = sb.exec("cat")
        cat.stdin.write("first\n\nafter an empty line\n")
        cat.stdin.write_eof()
        cat.stdin.drain()
        assert cat.stdout.read() == "first\n\nafter an empty line\n"
        # and a process with a terminal gets them too, without the terminal echoing them
        from skylift._sandbox import exec_open

        tty = exec_open(
            client, f"sandboxes/{sb.object_id}", ["sh", "-c", 'printf "<%s>" "$API_KEY"'], tty=True
        )
        shown_on_tty = tty.stdout.read()
        assert "<named-value-7f3>" in shown_on_tty and "API_KEY=" not in shown_on_tty
        assert tty.wait() == 0
        # and a command that does not exist still says so as a shell would
        missing = sb.exec("no-such-command-here")
        assert "not found" in missing.stderr.read()
        assert missing.wait() == 127
        # and no value is in what Docker keeps: the container's inspection, its environment
        (attrs,) = platform.containers(sandbox=sb.object_id)
        shown = _docker_inspect_text(attrs["Id"])
        for value in ("named-value-7f3", "from-named", "line one", "e-9", "from-exec"):
            assert value not in shown
        assert not any(e.startswith(("API_KEY=", "INLINE=")) for e in attrs["Config"]["Env"])
        # (the positive control: inspection does show the sandbox's plain variables)
        assert f"SKYLIFT_SANDBOX_ID={sb.object_id}" in shown
        # and the API answer names the named secret, never a value
        record = client.api.get_httpx_client().get(f"/api/v1/sandboxes/{sb.object_id}/").json()
        assert len(record["secrets"]) == 1 and "named-value" not in json.dumps(record)
        # and the database holds the sandbox's environment as ciphertext only
        ((token,),) = platform.sql(
            "SELECT secrets_token FROM functions_sandbox WHERE id = %s", [sb.object_id]
        )
        assert token and b"named-value-7f3" not in bytes(token)
    finally:
        sb.terminate()


def test_a_secret_of_another_workspace_or_a_missing_one_is_refused(client, platform):
    from skylift.exception import NotFoundError

    other = platform.client("charlie")
    skylift.Secret.objects.create("theirs", {"X": "1"}, allow_existing=True, client=other)
    with pytest.raises(NotFoundError):
        skylift.Sandbox.create(secrets=[skylift.Secret.from_name("theirs")], client=client)
    before = platform.sql("SELECT count(*) FROM functions_sandbox WHERE NOT pool")[0][0]
    with pytest.raises(NotFoundError):
        skylift.Sandbox.create(secrets=[skylift.Secret.from_name("no-such-secret")], client=client)
    assert platform.sql("SELECT count(*) FROM functions_sandbox WHERE NOT pool")[0][0] == before


def test_a_volume_is_shared_between_sandboxes_and_read_back(client, platform):
    volume = skylift.Volume.from_name(f"sb-vol-{secrets.token_hex(3)}", create_if_missing=True)
    writer = skylift.Sandbox.create(volumes={"/data": volume}, client=client, timeout=120)
    try:
        assert writer.exec("sh", "-c", "echo kept > /data/note.txt").wait() == 0
        # and its container is hardened as a function's with that volume: mounted there, and nothing more
        from tests.security.hardening import container_violations, launcher_folder

        (attrs,) = platform.containers(sandbox=writer.object_id)
        root = Path(platform.env["SKYLIFT_DATA_DIR"]) / "volumes" / volume.object_id
        launch = [launcher_folder(platform, writer.object_id)]
        assert container_violations(attrs, allowed_sources=launch, volumes=[(root, "/data")]) == []
    finally:
        writer.terminate()
    reader = skylift.Sandbox.create(volumes={"/mnt/v": volume}, client=client, timeout=120)
    try:
        assert reader.exec("cat", "/mnt/v/note.txt").stdout.read() == "kept\n"
    finally:
        reader.terminate()
    assert b"".join(volume.read_file("note.txt")) == b"kept\n"


def test_cpu_and_memory_are_reservations_with_limits_above(client, platform):
    sb = skylift.Sandbox.create(cpu=(0.25, 1.5), memory=(128, 256), client=client, timeout=120)
    try:
        (attrs,) = platform.containers(sandbox=sb.object_id)
        host = attrs["HostConfig"]
        # the limits are the container's hard ones, the reservations its weight and soft floor
        assert host["NanoCpus"] == 1_500_000_000 and host["CpuShares"] == 256
        assert host["Memory"] == 256 * 1024 * 1024 and host["MemoryReservation"] == 128 * 1024 * 1024
        # and placement counts the reservations
        assert platform.sql("SELECT cpu, memory FROM functions_sandbox WHERE id = %s", [sb.object_id]) == [
            (0.25, 128)
        ]
        # and a process cannot take more memory than the limit
        hog = sb.exec("python3", "-c", "b = bytearray(400 * 1024 * 1024); print('survived')")
        assert hog.wait() != 0 and "survived" not in hog.stdout.read()
    finally:
        sb.terminate()
    from skylift.exception import InvalidError

    with pytest.raises(InvalidError, match="at least the request"):
        skylift.Sandbox.create(memory=(512, 256), client=client)


@pytest.fixture
def simulated_gpus(platform):
    devices = gpus.declared_devices(["T4:2"], platform.host_name)
    platform.sql(
        "UPDATE hosts_host SET gpus = %s::jsonb, gpu_source = 'declared' WHERE name = %s",
        [json.dumps(devices), platform.host_name],
    )
    yield devices
    platform.sql(
        "UPDATE hosts_host SET gpus = '[]'::jsonb, gpu_source = '' WHERE name = %s", [platform.host_name]
    )
    platform.sql("UPDATE accounts_workspace SET gpu_limit = NULL WHERE name = 'alpha'")


def test_a_gpu_sandbox_gets_its_device_and_counts_against_the_workspace_limit(
    client, platform, simulated_gpus
):
    # given a workspace that may hold one GPU at once
    platform.sql("UPDATE accounts_workspace SET gpu_limit = 1 WHERE name = 'alpha'")
    sb = skylift.Sandbox.create(gpu="T4", client=client, timeout=120)
    waiting_id = None
    try:
        # then it holds one T4, and its processes see that device
        ((held, model),) = platform.sql(
            "SELECT gpu_devices, gpu_type FROM functions_sandbox WHERE id = %s", [sb.object_id]
        )
        assert model == "T4" and len(held) == 1
        uuid = next(d["uuid"] for d in simulated_gpus if d["index"] == held[0])
        assert sb.exec("sh", "-c", 'printf "%s" "$CUDA_VISIBLE_DEVICES"').stdout.read() == uuid
        # when a second GPU sandbox is asked for, then it waits for the workspace's limit, not a host
        response = client.api.get_httpx_client().post(
            "/api/v1/sandboxes/", json={"image_id": sb._record["image_id"], "gpu": "T4", "timeout": 120}
        )
        assert response.status_code == 201, response.text
        waiting_id = response.json()["id"]
        time.sleep(1.5)  # a few placement ticks
        ((status, message, host),) = platform.sql(
            "SELECT status, message, host_id FROM functions_sandbox WHERE id = %s", [waiting_id]
        )
        assert (status, host) == ("pending", None) and "GPU limit" in message
    finally:
        sb.terminate()
    # when the first ends, then the second is placed on the freed device and runs
    assert _until(
        lambda: (
            platform.sql("SELECT status FROM functions_sandbox WHERE id = %s", [waiting_id])[0][0]
            == "running"
        )
    )
    skylift.Sandbox.from_id(waiting_id, client=client).terminate()


# The network: a listener outside every container, in a network namespace of its own reached
# through the host's routing (as the world would be), on two addresses of different ranges.

LISTENER = """
import socket, threading
server = socket.create_server(("0.0.0.0", 7070))
while True:
    conn, _ = server.accept()
    conn.sendall(b"reached")
    conn.close()
"""

PROBE = """
import socket, sys
try:
    with socket.create_connection((sys.argv[1], 7070), timeout=3) as conn:
        print(conn.recv(100).decode())
except OSError as exc:
    print("blocked", type(exc).__name__)
"""


@pytest.fixture(scope="module")
def outside():
    tag = secrets.token_hex(2)
    ns, here, there = f"sbn{tag}", f"sbh{tag}", f"sbt{tag}"
    octet = 100 + int(tag, 16) % 100
    near, far = f"10.231.{octet}.2", f"10.232.{octet}.2"

    def sh(*args: str) -> None:
        subprocess.run(args, check=True, capture_output=True)

    sh("ip", "netns", "add", ns)
    try:
        sh("ip", "link", "add", here, "type", "veth", "peer", "name", there)
        sh("ip", "link", "set", there, "netns", ns)
        sh("ip", "addr", "add", f"10.231.{octet}.1/24", "dev", here)
        sh("ip", "link", "set", here, "up")
        sh("ip", "netns", "exec", ns, "ip", "addr", "add", f"{near}/24", "dev", there)
        sh("ip", "netns", "exec", ns, "ip", "addr", "add", f"{far}/32", "dev", there)
        sh("ip", "netns", "exec", ns, "ip", "link", "set", there, "up")
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        sh("ip", "netns", "exec", ns, "ip", "route", "add", "default", "via", f"10.231.{octet}.1")
        sh("ip", "route", "add", f"{far}/32", "via", near)
        listener = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", LISTENER])
        try:
            yield near, far
        finally:
            listener.kill()
            listener.wait()
    finally:
        subprocess.run(["ip", "route", "del", f"{far}/32"], capture_output=True)
        subprocess.run(["ip", "link", "del", here], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def _probe(sb, address: str) -> str:
    return sb.exec("python3", "-c", PROBE, address).stdout.read().strip()


def test_a_sandbox_reaches_the_outside_and_block_network_cuts_it(client, outside):
    near, far = outside
    # the positive control: a sandbox as created by default reaches both addresses
    open_sb = skylift.Sandbox.create(client=client, timeout=120)
    blocked = skylift.Sandbox.create(block_network=True, client=client, timeout=120)
    try:
        assert _until(lambda: _probe(open_sb, near) == "reached", 20)
        assert _probe(open_sb, far) == "reached"
        # with block_network, neither
        assert _probe(blocked, near).startswith("blocked")
        assert _probe(blocked, far).startswith("blocked")
    finally:
        open_sb.terminate()
        blocked.terminate()


def test_cidr_allowlist_lets_only_its_ranges_out(client, platform, outside):
    from skylift.exception import InvalidError

    near, far = outside
    sb = skylift.Sandbox.create(cidr_allowlist=[f"{near}/32"], client=client, timeout=120)
    try:
        # then it reaches the allowed address and not the other
        assert _probe(sb, near) == "reached"
        assert _probe(sb, far).startswith("blocked")
        # and its container is hardened as every sandbox's, on the allowlist bridge
        from tests.security.hardening import container_violations, launcher_folder

        (attrs,) = platform.containers(sandbox=sb.object_id)
        assert list(attrs["NetworkSettings"]["Networks"]) == ["skylift-allowlist"]
        launch = [launcher_folder(platform, sb.object_id)]
        assert container_violations(attrs, allowed_sources=launch, block_network=False) == []
        # and it cannot reach a function's container or its host either (the isolation rules hold)
        gateway = attrs["NetworkSettings"]["Networks"]["skylift-allowlist"]["Gateway"]
        assert _probe(sb, gateway).startswith("blocked")
    finally:
        sb.terminate()
    # when it has ended, then its rules are gone with it
    sb.wait()
    _until(
        lambda: (
            sb.object_id
            not in subprocess.run(["iptables", "-S", "SKYLIFT-EGRESS"], capture_output=True, text=True).stdout
        ),
        20,
    )
    # and an allowlist that is not one, or one with block_network, is refused
    with pytest.raises(InvalidError, match="IPv4 range"):
        skylift.Sandbox.create(cidr_allowlist=["not-a-range"], client=client)
    with pytest.raises(InvalidError, match="block_network"):
        skylift.Sandbox.create(cidr_allowlist=["10.0.0.0/8"], block_network=True, client=client)


def test_a_remembered_image_that_is_gone_is_resolved_again(client):
    from skylift import _sandbox

    # given a sandbox made from debian_slim: its image is remembered, so the next skips resolving it
    skylift.Sandbox.create(client=client, timeout=60).terminate()
    remembered = [k for k in _sandbox._READY_IMAGES if k[0] == client.config.server_url]
    assert remembered
    real = _sandbox._READY_IMAGES[remembered[0]]
    # when the remembered id no longer names an image, then create resolves it again and succeeds
    _sandbox._READY_IMAGES[remembered[0]] = "im-gone0000000000000000"
    sb = skylift.Sandbox.create(client=client, timeout=60)
    try:
        assert sb._record["image_id"] == real
        assert _sandbox._READY_IMAGES[remembered[0]] == real
    finally:
        sb.terminate()
