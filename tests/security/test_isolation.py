"""RELIABILITY S18 and S9 (the container-to-container part): containers of two workspaces on one
host have no network path between them, from a function or from a build step; nor do two
containers of one workspace (their one way to the platform is the data-plane socket)."""

from __future__ import annotations

import socket

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
