"""The S7 policy function itself: it passes a hardened container and names each weakness."""

from __future__ import annotations

import copy

import pytest

from tests.security.hardening import container_violations

ALLOWED = ["/opt/venv/skylift", "/opt/venv/cloudpickle", "/tmp/skylift-0-abc/ta-1", "/data/host"]


def _hardened() -> dict:
    """A container as the host agent starts it, in the shape `docker inspect` gives."""
    return {
        "Name": "/skylift-ta-1",
        "HostConfig": {
            "Privileged": False,
            "CapDrop": ["ALL"],
            "CapAdd": None,
            "SecurityOpt": ["no-new-privileges:true"],
            "PidsLimit": 1024,
            "Memory": 128 * 2**20,
            "MemorySwap": 128 * 2**20,
            "NanoCpus": 2 * 10**9,
            "PidMode": "",
            "IpcMode": "private",
            "UTSMode": "",
            "UsernsMode": "",
            "NetworkMode": "bridge",
            "Devices": [],
            "Binds": None,
            "Runtime": "runc",
        },
        "Mounts": [
            {
                "Type": "bind",
                "Source": "/opt/venv/skylift",
                "Destination": "/skylift/lib/skylift",
                "RW": False,
            },
            {
                "Type": "bind",
                "Source": "/opt/venv/cloudpickle",
                "Destination": "/skylift/lib/cloudpickle",
                "RW": False,
            },
            {"Type": "bind", "Source": "/tmp/skylift-0-abc/ta-1", "Destination": "/skylift/io", "RW": False},
            {"Type": "bind", "Source": "/data/host/mounts/ab12", "Destination": "/skylift/src", "RW": False},
        ],
    }


def test_it_passes_a_hardened_container():
    assert container_violations(_hardened(), allowed_sources=ALLOWED, block_network=False) == []


def _set(path: str, value):
    def apply(attrs):
        *parents, last = path.split(".")
        node = attrs
        for key in parents:
            node = node[key]
        node[last] = value

    return apply


def _mount(source: str, target: str, rw: bool = False):
    def apply(attrs):
        attrs["Mounts"].append({"Type": "bind", "Source": source, "Destination": target, "RW": rw})

    return apply


def _writable_code(attrs):
    attrs["Mounts"][3]["RW"] = True


def _writable_io(attrs):
    attrs["Mounts"][2]["RW"] = True


WEAKNESSES = {
    "privileged": (_set("HostConfig.Privileged", True), "Privileged"),
    "caps-kept": (_set("HostConfig.CapDrop", ["NET_RAW"]), "CapDrop"),
    "cap-added": (_set("HostConfig.CapAdd", ["SYS_ADMIN"]), "CapAdd"),
    "new-privileges": (_set("HostConfig.SecurityOpt", []), "no-new-privileges"),
    "seccomp-off": (
        _set("HostConfig.SecurityOpt", ["no-new-privileges:true", "seccomp=unconfined"]),
        "unconfined",
    ),
    "no-pids-limit": (_set("HostConfig.PidsLimit", 0), "PidsLimit"),
    "unlimited-pids": (_set("HostConfig.PidsLimit", -1), "PidsLimit"),
    "no-memory-limit": (_set("HostConfig.Memory", 0), "Memory"),
    "swap": (_set("HostConfig.MemorySwap", -1), "MemorySwap"),
    "no-cpu-limit": (_set("HostConfig.NanoCpus", 0), "CPU"),
    "host-pid": (_set("HostConfig.PidMode", "host"), "PidMode"),
    "host-ipc": (_set("HostConfig.IpcMode", "host"), "IpcMode"),
    "host-uts": (_set("HostConfig.UTSMode", "host"), "UTSMode"),
    "host-network": (_set("HostConfig.NetworkMode", "host"), "NetworkMode"),
    "device": (_set("HostConfig.Devices", [{"PathOnHost": "/dev/kvm"}]), "Devices"),
    "docker-socket": (_mount("/var/run/docker.sock", "/var/run/docker.sock", True), "forbidden"),
    "host-root": (_mount("/", "/host"), "forbidden"),
    "host-proc": (_mount("/proc", "/host-proc"), "forbidden"),
    "host-sys": (_mount("/sys/fs/cgroup", "/cg"), "forbidden"),
    "docker-data": (_mount("/var/lib/docker", "/d"), "forbidden"),
    "off-allowlist": (_mount("/home/alice", "/skylift/io/x"), "allowlist"),
    "writable-code": (_writable_code, "read-only"),
    "writable-io": (_writable_io, "read-only"),
    "writable-elsewhere": (_mount("/data/host/x", "/var/x", True), "writable"),
    "bind-via-binds": (_set("HostConfig.Binds", ["/etc:/host-etc:ro"]), "allowlist"),
}


@pytest.mark.parametrize("weakness", list(WEAKNESSES.values()), ids=list(WEAKNESSES))
def test_it_names_each_weakness(weakness):
    # given a hardened container with one weakness
    weaken, expected = weakness
    attrs = copy.deepcopy(_hardened())
    weaken(attrs)
    # when
    found = container_violations(attrs, allowed_sources=ALLOWED, block_network=False)
    # then it is reported, by name
    assert found, "not detected"
    assert any(expected in problem for problem in found), found


def test_it_requires_network_none_when_the_function_blocks_the_network():
    attrs = _hardened()
    assert len(container_violations(attrs, allowed_sources=ALLOWED, block_network=True)) == 1
    attrs["HostConfig"]["NetworkMode"] = "none"
    assert container_violations(attrs, allowed_sources=ALLOWED, block_network=True) == []


def test_it_requires_the_configured_runtime():
    attrs = _hardened()
    assert len(container_violations(attrs, allowed_sources=ALLOWED, runtime="runsc")) == 1
    attrs["HostConfig"]["Runtime"] = "runsc"
    assert container_violations(attrs, allowed_sources=ALLOWED, runtime="runsc") == []


def test_it_allows_listed_capabilities_only():
    attrs = _hardened()
    attrs["HostConfig"]["CapAdd"] = ["CAP_NET_BIND_SERVICE"]
    assert container_violations(attrs, allowed_sources=ALLOWED, cap_allowlist=["NET_BIND_SERVICE"]) == []
    assert len(container_violations(attrs, allowed_sources=ALLOWED)) == 1


def test_it_allows_a_functions_own_volume_at_its_path_only():
    # given a container with its function's volume mounted where the function asked
    own = [("/srv/volumes/vo-own", "/data")]
    attrs = copy.deepcopy(_hardened())
    _mount("/srv/volumes/vo-own", "/data", True)(attrs)
    assert container_violations(attrs, allowed_sources=ALLOWED, volumes=own) == []
    # when another volume's folder, or its own at another path, is mounted, then each is named
    for source, target in [("/srv/volumes/vo-other", "/data"), ("/srv/volumes/vo-own", "/elsewhere")]:
        attrs = copy.deepcopy(_hardened())
        _mount(source, target, True)(attrs)
        assert any(
            "allowlist" in p for p in container_violations(attrs, allowed_sources=ALLOWED, volumes=own)
        )
