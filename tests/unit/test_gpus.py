"""GPU requests met by devices (hosts/gpus.py) and the placement policy over hosts
(functions/delivery/placement.py): the pure rules, without a database."""

from __future__ import annotations

import pytest

from functions.delivery.placement import HostState, Need, explain, rank
from hosts import docker_client, gpus


def devices(*models: str, unhealthy: tuple[int, ...] = ()) -> list[gpus.Device]:
    return [
        gpus.Device(index=i, uuid=f"GPU-{i}", model=m, memory=0, healthy=i not in unhealthy)
        for i, m in enumerate(models)
    ]


def host(name: str, *models: str, used: tuple[int, ...] = (), cpu: float = 32, memory: int = 65536, **kw):
    return HostState(
        id=hash(name) % 10_000,
        name=name,
        cpu=cpu,
        memory=memory,
        devices=devices(*models),
        used_devices=set(used),
        **kw,
    )


def need(gpu: str | None, *, cpu: float = 1, memory: int = 1024, function: str = "fu-me") -> Need:
    return Need(function, cpu, memory, tuple(gpus.parse_request(gpu)))


# --- one host --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gpu", "models", "spec", "model", "taken"),
    [
        ("H100", ["H100", "H100"], "H100", "H100", (0,)),
        ("H100:2", ["T4", "H100", "H100", "H100"], "H100:2", "H100", (1, 2)),
        # an H100 may be given an H200 (Modal's upgrade at no cost) ...
        ("H100", ["H200"], "H100", "H200", (0,)),
        # ... the H100 itself first
        ("H100", ["H200", "H100"], "H100", "H100", (1,)),
        # "A100" is the 40 GB one
        ("A100", ["A100-80GB", "A100-40GB"], "A100", "A100-40GB", (1,)),
        ("A100-40GB", ["A100-40GB"], "A100-40GB", "A100-40GB", (0,)),
        # fallbacks in their order: the first one met wins
        ("H100:2,A100-80GB", ["H100", "A100-80GB"], "A100-80GB", "A100-80GB", (1,)),
        ("A100-80GB,H100", ["H100", "A100-80GB"], "A100-80GB", "A100-80GB", (1,)),
        # "any" takes the least sought-after model first
        ("any", ["H100", "L4", "T4"], "any", "T4", (2,)),
        ("any:2", ["H100", "T4", "H100"], "any:2", "H100", (0, 2)),
        ("A10G:4", ["A10G"] * 4, "A10G:4", "A10G", (0, 1, 2, 3)),
    ],
)
def test_a_request_is_met_by_the_first_spec_and_model_the_host_holds(gpu, models, spec, model, taken):
    found = gpus.fit(gpus.parse_request(gpu), devices(*models))
    assert found is not None
    assert (found.spec, found.model, found.devices) == (spec, model, taken)


@pytest.mark.parametrize(
    ("gpu", "models"),
    [
        ("H100!", ["H200", "H200"]),  # no upgrade
        ("A100", ["A100-80GB"]),  # 40 GB asked; no upgrade to 80 GB is promised
        ("A100-80GB", ["A100-40GB"]),
        ("H100:2", ["H100", "H200"]),  # the devices of one spec are of one model
        ("any:3", ["T4", "T4", "L4"]),
        ("T4", []),
    ],
)
def test_a_request_the_host_cannot_meet_gets_nothing(gpu, models):
    assert gpus.fit(gpus.parse_request(gpu), devices(*models)) is None


def test_devices_held_unhealthy_or_kept_for_another_request_are_not_given():
    inventory = devices("H100", "H100", "H100", "H100", unhealthy=(3,))
    wants = gpus.parse_request("H100:2")
    assert gpus.fit(wants, inventory, used=[0]).devices == (1, 2)
    assert gpus.fit(wants, inventory, used=[0, 1]) is None  # device 3 is unhealthy
    # two must stay free for a waiting request: one may be taken of three free, not two
    assert gpus.fit(gpus.parse_request("H100"), inventory, keep={"H100": 2}).devices == (0,)
    assert gpus.fit(wants, inventory, keep={"H100": 2}) is None


@pytest.mark.parametrize(
    ("name", "memory", "model"),
    [
        ("NVIDIA H100 80GB HBM3", 81559, "H100"),
        ("NVIDIA H100 PCIe", 81559, "H100"),
        ("NVIDIA H200", 143771, "H200"),
        ("NVIDIA A100-SXM4-40GB", 40960, "A100-40GB"),
        ("NVIDIA A100-SXM4-80GB", 81920, "A100-80GB"),
        ("NVIDIA A100 80GB PCIe", 81920, "A100-80GB"),
        ("NVIDIA A100-PCIE-40GB", 40536, "A100-40GB"),
        ("Tesla T4", 15360, "T4"),
        ("NVIDIA L4", 23034, "L4"),
        ("NVIDIA A10G", 23028, "A10G"),
        ("NVIDIA A10", 23028, "A10G"),
        ("NVIDIA L40S", 46068, "L40S"),
        ("NVIDIA B200", 183359, "B200"),
        ("NVIDIA GeForce RTX 4090", 24564, "NVIDIA GeForce RTX 4090"),
    ],
)
def test_nvml_names_become_modals_type_names(name, memory, model):
    assert gpus.model_name(name, memory) == model


def test_an_unnamed_model_serves_any_only():
    inventory = devices("NVIDIA GeForce RTX 4090")
    assert gpus.fit(gpus.parse_request("any"), inventory).model == "NVIDIA GeForce RTX 4090"
    assert gpus.fit(gpus.parse_request("L4"), inventory) is None


def test_declared_devices_are_simulated_with_stable_uuids():
    first = gpus.declared_devices(["A100:2", "h100"], "host-a")
    assert [(d["index"], d["model"]) for d in first] == [(0, "A100-40GB"), (1, "A100-40GB"), (2, "H100")]
    assert first == gpus.declared_devices(["A100:2", "h100"], "host-a")
    assert {d["uuid"] for d in first}.isdisjoint(
        d["uuid"] for d in gpus.declared_devices(["A100:2"], "host-b")
    )
    # without a driver on this machine, a declaration is what the inventory holds
    assert gpus.inventory(["T4"], "host-a") == (gpus.declared_devices(["T4"], "host-a"), "declared")
    assert gpus.inventory([], "host-a") == ([], "")


def test_a_real_host_gives_a_device_request_and_matching_variables():
    inventory = devices("H100", "H100", "H100")
    got = gpus.visible_devices(inventory, [2, 0], real=True)
    assert got["device_ids"] == ["GPU-0", "GPU-2"]
    assert got["environment"]["NVIDIA_VISIBLE_DEVICES"] == "GPU-0,GPU-2"
    assert got["environment"]["CUDA_VISIBLE_DEVICES"] == "GPU-0,GPU-2"
    assert got["environment"]["SKYLIFT_GPU_DEVICES"] == "0,2"
    assert "SKYLIFT_GPU_SIMULATED" not in got["environment"]
    (request,) = docker_client.gpu_device_requests(got["device_ids"])
    assert request["Driver"] == "nvidia"
    assert request["DeviceIDs"] == ["GPU-0", "GPU-2"]
    assert request["Capabilities"] == [["gpu"]]
    assert request["Count"] == 0  # the ids say which; no "all"


def test_a_simulated_host_gives_the_variables_only_labelled_simulated():
    got = gpus.visible_devices(devices("T4", "T4"), [1], real=False)
    assert got["device_ids"] == [] and docker_client.gpu_device_requests(got["device_ids"]) == []
    assert got["environment"]["CUDA_VISIBLE_DEVICES"] == "GPU-1"
    assert got["environment"]["SKYLIFT_GPU_SIMULATED"] == "1"
    assert gpus.visible_devices(devices("T4"), [], real=True) == {"device_ids": [], "environment": {}}


def test_simulated_devices_get_a_device_request_where_the_engine_has_an_nvidia_runtime():
    # SKYLIFT_GPU_DEVICE_REQUESTS=always (Host.device_requests): the test engine's stand-in hook
    got = gpus.visible_devices(devices("T4", "T4"), [1], real=False, request=True)
    assert got["device_ids"] == ["GPU-1"]
    assert got["environment"]["NVIDIA_VISIBLE_DEVICES"] == "GPU-1"
    assert got["environment"]["SKYLIFT_GPU_SIMULATED"] == "1"  # the devices are still simulated


# --- across hosts -------------------------------------------------------------------------------


def test_best_fit_keeps_whole_hosts_for_large_requests():
    # given one host with all 8 H100s free and one with 2 of 8 free
    whole = host("whole", *["H100"] * 8)
    busy = host("busy", *["H100"] * 8, used=(0, 1, 2, 3, 4, 5))
    # when a 1-GPU request is placed, it goes to the busy host: the whole one stays whole
    assert [c.host.name for c in rank(need("H100"), [whole, busy])] == ["busy", "whole"]
    # and an 8-GPU request can still go to the whole one
    assert [c.host.name for c in rank(need("H100:8"), [whole, busy])] == ["whole"]


def test_order_of_preference_beats_packing():
    h200 = host("h200-host", "H200")
    h100 = host("h100-host", *["H100"] * 8)
    a100 = host("a100-host", "A100-80GB", "A100-80GB")
    # the model asked for before an upgrade, however well the upgrade would pack
    assert [c.host.name for c in rank(need("H100"), [h200, h100])] == ["h100-host", "h200-host"]
    assert [c.host.name for c in rank(need("H100!"), [h200, h100])] == ["h100-host"]
    # fallbacks in their order
    assert [c.fit.spec for c in rank(need("A100-80GB:2,H100"), [h100, a100])] == ["A100-80GB:2", "H100"]


def test_cpu_only_containers_go_to_hosts_without_gpus_first():
    assert [c.host.name for c in rank(need(None), [host("gpu", "T4", cpu=64), host("cpu", cpu=8)])] == [
        "cpu",
        "gpu",
    ]
    # and anywhere when only GPU hosts have room
    assert [
        c.host.name for c in rank(need(None, cpu=16), [host("gpu", "T4", cpu=64), host("cpu", cpu=8)])
    ] == ["gpu"]


def test_a_reservation_keeps_devices_for_the_waiting_request_only():
    # given a host with 2 of 4 H100 free, reserved for a request of 4 that waits
    reserved = host(
        "r", *["H100"] * 4, used=(0, 1), reserved_for="fu-big", reserved_model="H100", reserved_count=4
    )
    # then a small request of another function does not take them
    assert rank(need("H100", function="fu-small"), [reserved]) == []
    # nor other models' requests are affected, nor the holder itself
    assert [c.fit.devices for c in rank(need("H100:2", function="fu-big"), [reserved])] == [(2, 3)]


def test_explain_says_which_hosts_lack_what():
    hosts = [
        host("a", "H100", "H100", used=(0, 1)),
        host("b", "T4"),
        host("c", "T4"),
        host("d", "H100", "H100", cpu=0.5),
    ]
    text = explain(need("H100:2", cpu=1), hosts, unavailable=2)
    assert "a: 0 of 2 H100 free (needs 2)" in text
    assert "b, c: no H100" in text
    assert "d: 0.5 of 0.5 CPU free (needs 1)" in text
    assert "2 host(s) draining or lost" in text
    assert "'H100:2'" in text
    assert explain(need("A100:2"), [host("e", "A100-40GB")]).endswith("e: only 1 A100-40GB (needs 2)")


def _as_counts(state: HostState) -> HostState:
    """The host as ALIVE_HOSTS_SQL reads it: healthy devices and held ones as counts per model."""
    held: dict[str, int] = {}
    for d in gpus.healthy(state.devices):
        if d["index"] in state.used_devices:
            held[d["model"]] = held.get(d["model"], 0) + 1
    return HostState(
        state.id,
        state.name,
        state.cpu,
        state.memory,
        [],
        used_cpu=state.used_cpu,
        used_memory=state.used_memory,
        reserved_for=state.reserved_for,
        reserved_model=state.reserved_model,
        reserved_count=state.reserved_count,
        counts=dict(state.models),
        held=held,
    )


def test_a_host_read_as_counts_is_worded_and_reserved_as_its_devices_are():
    from functions.delivery.placement import _could_ever, _reserve

    # given hosts in every state a wait is worded for: free, full, short, reserved, unhealthy
    hosts = [
        host("a", "H100", "H100", "H200", used=(0,)),
        host("b", "T4", "T4"),
        host("c", *["H100"] * 8, used=(0, 1, 2, 3, 4, 5), cpu=4, used_cpu=3.5),
        host("d", *["H100"] * 4, used=(0,), reserved_for="fu-big", reserved_model="H100", reserved_count=4),
        host("e", "A100-40GB", "A10G", "A10G", "NVIDIA RTX 4090", used=(1, 2), memory=2048),
        host("f", cpu=2),
        # a held device that turned unhealthy, and a free one that did
        HostState(
            7, "g", 32, 65536, devices("H100", "H100", "H100", "H100", unhealthy=(1, 2)), used_devices={0, 1}
        ),
    ]
    counted = [_as_counts(h) for h in hosts]
    for gpu in ["H100:2", "H100!:4", "T4:3", "any:2", "A100:2,A10G:2", "H200", "H100:8", None]:
        for cpu in (1, 4):
            n = need(gpu, cpu=cpu)
            # then it says the same, reserves the same host, and knows the same hosts that fit
            assert explain(n, counted, unavailable=1) == explain(n, hosts, unavailable=1)
            assert [(h.name, m, c) for h, m, c in [_reserve(n, counted) or (hosts[0], "", 0)]] == [
                (h.name, m, c) for h, m, c in [_reserve(n, hosts) or (hosts[0], "", 0)]
            ]
            assert [c.host.name for c in rank(n, counted)] == [c.host.name for c in rank(n, hosts)]
            assert [_could_ever(n, h) for h in counted] == [_could_ever(n, h) for h in hosts]
