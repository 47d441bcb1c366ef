"""A host's record as its agent registers it: inventory from the machine and the operator."""

from __future__ import annotations

import pytest

from hosts.models import Host
from hosts.services import host_register

pytestmark = pytest.mark.django_db


def test_it_records_the_gpus_the_operator_declares(settings):
    # given a host whose operator declares two A100s (in any case, with spaces)
    settings.SKYLIFT_HOST_GPUS = ["a100", " A100 "]
    # when its agent registers it
    host = host_register(name="gpu-host")
    # then its inventory holds them, and GPU work fits it
    assert Host.objects.get(pk=host.pk).gpus == ["A100", "A100"]
    assert host.fits_gpu("A100:2") and host.fits_gpu("H100,A100") and host.fits_gpu("any")
    assert not host.fits_gpu("A100:3") and not host.fits_gpu("H100")
    # and a host without a declaration has none
    settings.SKYLIFT_HOST_GPUS = []
    assert host_register(name="gpu-host").gpus == []
