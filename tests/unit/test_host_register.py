"""A host's record as its agent registers it: inventory from the machine and the operator."""

from __future__ import annotations

import pytest

from hosts.models import Host
from hosts.services import host_register

pytestmark = pytest.mark.django_db


def test_it_records_the_gpus_the_operator_declares(settings):
    # given a host whose operator declares two A100s (in any case, with spaces) and an A10 by count
    settings.SKYLIFT_HOST_GPUS = ["a100", " A100 ", "A10:2"]
    # when its agent registers it
    host = host_register(name="gpu-host")
    # then its inventory holds them as simulated devices, indexed in order, "A100" the 40 GB one
    stored = Host.objects.get(pk=host.pk)
    assert [(d["index"], d["model"], d["healthy"]) for d in stored.gpus] == [
        (0, "A100-40GB", True),
        (1, "A100-40GB", True),
        (2, "A10G", True),
        (3, "A10G", True),
    ]
    assert len({d["uuid"] for d in stored.gpus}) == 4 and all(
        d["uuid"].startswith("GPU-") for d in stored.gpus
    )
    assert stored.gpu_source == "declared" and stored.simulated_gpus
    assert stored.gpu_usage == {"used": [], "free": [0, 1, 2, 3]}
    # its devices keep their UUIDs when it registers again
    assert host_register(name="gpu-host").gpus == stored.gpus
    # and GPU work fits it
    assert host.fits_gpu("A100:2") and host.fits_gpu("H100,A100") and host.fits_gpu("any:2")
    assert not host.fits_gpu("A100:3") and not host.fits_gpu("H100") and not host.fits_gpu("A100-80GB")
    # the devices of one spec are of one model: four of two models are not "any:4"
    assert not host.fits_gpu("any:4")
    # the spec that fits is the one used (its count goes to the engine)
    assert host.matched_gpu("H100:8,A10G:2") == "A10G:2"
    settings.SKYLIFT_HOST_GPUS = ["H100", "H100"]
    assert host_register(name="gpu-host").matched_gpu("H100!:2") == "H100!:2"
    # and a host without a declaration has none
    settings.SKYLIFT_HOST_GPUS = []
    again = host_register(name="gpu-host")
    assert again.gpus == [] and again.gpu_source == ""


def test_it_refuses_a_gpu_type_it_does_not_know(settings):
    from skylift.exception import InvalidError

    settings.SKYLIFT_HOST_GPUS = ["RTX9999"]
    with pytest.raises(InvalidError, match="unknown gpu type 'RTX9999'"):
        host_register(name="gpu-host")
