"""`@clustered(size=N)` at definition: a bad size, or a size whose GPUs in all pass the limit, is an
`InvalidError` where the function is defined, before anything reaches the server; a good one
reaches the definition the server gets. Inside a container, `get_cluster_info()` reads what the
host agent gave it."""

from __future__ import annotations

import pytest

import skylift
from skylift import experimental
from skylift.contract import clusters
from skylift.exception import InvalidError


def _define(size, **options):
    app = skylift.App("clusters-unit")

    @app.function(**options)
    @experimental.clustered(size=size)
    def train() -> None:
        pass

    return train


@pytest.mark.parametrize(
    ("size", "options", "message"),
    [
        (0, {}, r"size must be from 1 to 64"),
        (-2, {}, r"size must be from 1 to 64"),
        (65, {}, r"size must be from 1 to 64"),
        ("2", {}, r"takes an integer"),
        (True, {}, r"takes an integer"),
        (9, {"gpu": "H100:8"}, r"asks for 72 GPUs; a cluster holds at most 64"),
        (4, {"gpu": ["T4", "H100:8", "A10G:4"]}, None),  # 32: allowed
        (3, {"max_containers": 4}, r"max_containers=4 must be a multiple of the cluster size \(3\)"),
        (2, {"block_network": True}, r"drop block_network"),
    ],
)
def test_bad_clusters_are_refused_at_definition(size, options, message):
    if message is None:
        assert _define(size, **options)._options["definition"]["cluster"] == {"size": size}
        return
    with pytest.raises(InvalidError, match=message):
        _define(size, **options)


def test_what_skylift_has_no_fabric_for_is_refused():
    for options in ({"rdma": True}, {"fabric_size": 2}, {"broadcast": False}):
        with pytest.raises(InvalidError, match="not supported"):
            experimental.clustered(size=2, **options)


def test_it_goes_under_app_function_and_on_functions_only():
    app = skylift.App("clusters-order")

    def plain() -> None:
        pass

    with pytest.raises(InvalidError, match="goes under @app.function"):
        experimental.clustered(size=2)(app.function()(plain))
    with pytest.raises(InvalidError, match="on a class"):
        experimental.clustered(size=2)(type("Model", (), {}))


def test_cluster_info_reads_the_containers_variables(monkeypatch):
    assert experimental.get_cluster_info() == experimental.ClusterInfo(rank=0, cluster_id="")
    monkeypatch.setenv(clusters.ENV_ID, "cl-1")
    monkeypatch.setenv(clusters.ENV_RANK, "2")
    monkeypatch.setenv(clusters.ENV_IPS, "10.0.0.2,10.0.0.3,10.0.0.4")
    info = experimental.get_cluster_info()
    assert (info.rank, info.cluster_id) == (2, "cl-1")
    assert info.container_ips == info.container_ipv4_ips == ["10.0.0.2", "10.0.0.3", "10.0.0.4"]


def test_i6pn_is_sent_with_the_function_and_needs_a_network():
    from skylift._options import options_spec

    app = skylift.App("i6pn-unit")

    @app.function(i6pn=True)
    def meet() -> None:
        pass

    assert options_spec(meet._options)["i6pn"] is True
    assert "i6pn" not in options_spec(app.function()(lambda: None)._options)
    with pytest.raises(InvalidError, match="i6pn=True gives containers a network"):
        app.function(i6pn=True, block_network=True)
    with pytest.raises(InvalidError, match="i6pn must be True or False"):
        app.function(i6pn="yes")
    with pytest.raises(InvalidError, match="cannot change i6pn"):
        meet.with_options(i6pn=False)


def test_members_addresses_come_from_the_top_of_the_clusters_block():
    from hosts.clusters import ClusterNetwork

    # given a cluster's /25 whose gateway the engine put at its first address
    network = ClusterNetwork("n", "skylift-cluster-x", "10.213.4.0/25", "10.213.4.1")
    # then rank r has the r-th address below the broadcast one (the engine takes its own from the
    # bottom: on an overlay, an address for each host that joins, which would take rank 1's)
    assert network.addresses(3) == ["10.213.4.126", "10.213.4.125", "10.213.4.124"]
    # the largest cluster fits, clear of the gateway
    assert len(set(network.addresses(64))) == 64 and "10.213.4.1" not in network.addresses(125)
    # and a gateway elsewhere is stepped over
    assert ClusterNetwork("n", "x", "10.213.4.0/25", "10.213.4.125").addresses(2) == [
        "10.213.4.126",
        "10.213.4.124",
    ]
