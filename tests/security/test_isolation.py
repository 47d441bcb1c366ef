"""RELIABILITY S18 and S9: containers of two workspaces on one host have no network path between
them, from a function or from a build step; nor do two containers of one workspace; and none
reaches its host's own ports (their one way to the platform is the data-plane socket)."""

from __future__ import annotations

import socket
import subprocess
import threading

import pytest

import skylift
from skylift._build import image_build
from tests.security import isolation_app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def serving(platform):
    # given workspace A's function listening on a port of its container
    with isolation_app.served.run(client=platform.client("alice")):
        where = isolation_app.serve.remote()
        (attrs,) = platform.containers(task=where["task"])
        networks = attrs["NetworkSettings"]["Networks"]
        assert list(networks) == ["skylift"]  # the isolating network, not Docker's default bridge
        ip = networks["skylift"]["IPAddress"]
        # (the positive control: the listener answers, from the host)
        with socket.create_connection((ip, where["port"]), timeout=5) as conn:
            assert conn.recv(100) == b"workspace A's secret"
        yield platform, ip, where["port"]


def test_another_workspaces_function_cannot_reach_the_container(serving):
    platform, ip, port = serving
    with isolation_app.prober.run(client=platform.client("charlie")):
        result = isolation_app.probe.remote(ip, port)
    assert result.startswith("blocked"), result


def test_another_function_of_the_same_workspace_cannot_reach_it_either(serving):
    _, ip, port = serving
    result = isolation_app.probe_own.remote(ip, port)
    assert result.startswith("blocked"), result


def test_a_build_step_cannot_reach_a_function_container(serving):
    platform, ip, port = serving
    # a step that fails the build if it gets through
    check = (
        'python3 -c "import socket, sys\n'
        "try:\n"
        f"    socket.create_connection(('{ip}', {port}), timeout=3)\n"
        "except OSError as exc:\n"
        "    print('blocked:', exc)\n"
        "else:\n"
        "    sys.exit('connected to another container')\""
    )
    image = skylift.Image.debian_slim().run_commands(check, force_build=True)
    image_build(platform.client("charlie"), image, show_logs=False)  # raises BuildFailed if connected


@pytest.fixture
def host_listener():
    """A port of the host open on every address, as a database or an API may be."""
    server = socket.create_server(("0.0.0.0", 0))

    def answer() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"the host's secret")
            conn.close()

    threading.Thread(target=answer, daemon=True).start()
    yield server.getsockname()[1]
    server.close()


def _host_addresses() -> list[str]:
    out = subprocess.run(
        ["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True, check=True
    ).stdout
    found = [line.split()[3].split("/")[0] for line in out.splitlines()]
    return [ip for ip in found if not ip.startswith("127.")]


def test_no_container_reaches_its_hosts_own_ports(platform, host_listener):
    import docker

    # given a port the host listens on (positive control: a container on Docker's default bridge,
    # which Skylift does not use, reaches it through its gateway)
    probe = (
        "import socket, struct\n"
        "gw = [l.split() for l in open('/proc/net/route').readlines()[1:] if l.split()[1] == '00000000'][0][2]\n"
        "ip = socket.inet_ntoa(struct.pack('<L', int(gw, 16)))\n"
        f"print(socket.create_connection((ip, {host_listener}), timeout=3).recv(100).decode())\n"
    )
    outside = docker.from_env().containers.run(
        "skylift/debian-slim:3.11", ["python3", "-c", probe], network="bridge", remove=True
    )
    assert outside.decode().strip() == "the host's secret"
    # when a function tries it, on its gateway and on every other address of the host
    with isolation_app.prober.run(client=platform.client("charlie")):
        results = isolation_app.probe_host.remote(host_listener, _host_addresses())
    # then every one is blocked
    assert results and all(r.startswith("blocked") for r in results.values()), results


def test_a_build_step_does_not_reach_its_hosts_own_ports(platform, host_listener):
    check = (
        'python3 -c "import socket, struct, sys\n'
        "gw = [l.split() for l in open('/proc/net/route').readlines()[1:] if l.split()[1] == '00000000'][0][2]\n"
        "ip = socket.inet_ntoa(struct.pack('<L', int(gw, 16)))\n"
        "try:\n"
        f"    socket.create_connection((ip, {host_listener}), timeout=3)\n"
        "except OSError as exc:\n"
        "    print('blocked:', exc)\n"
        "else:\n"
        "    sys.exit('connected to the host')\""
    )
    image = skylift.Image.debian_slim().run_commands(check, force_build=True)
    image_build(platform.client("charlie"), image, show_logs=False)  # raises BuildFailed if connected


def test_a_dockerfiles_run_line_does_not_reach_its_hosts_own_ports(platform, host_listener):
    # the same probe as a build step's, as a Dockerfile RUN line (which docker build runs)
    probe = (
        "import socket, struct, sys; "
        "gw = [l.split() for l in open('/proc/net/route').readlines()[1:] if l.split()[1] == '00000000'][0][2]; "
        "ip = socket.inet_ntoa(struct.pack('<L', int(gw, 16))); "
        "s = socket.socket(); s.settimeout(3); "
        f"sys.exit('connected to the host' if s.connect_ex((ip, {host_listener})) == 0 else 0)"
    )
    image = skylift.Image.debian_slim().dockerfile_commands([f'RUN python3 -c "{probe}"'], force_build=True)
    image_build(platform.client("charlie"), image, show_logs=False)  # raises BuildFailed if connected
