"""The agent's view of its lease runs out one heartbeat before the control plane's."""

from __future__ import annotations

import pytest

from hosts.lease import Lease


@pytest.mark.parametrize(
    ("renew_every", "length", "fence_after"),
    [(5.0, 30.0, 25.0), (0.5, 6.0, 5.5), (10.0, 12.0, 6.0)],  # never less than half the lease
)
def test_it_fences_one_beat_before_the_lease_ends(renew_every, length, fence_after):
    assert Lease(object(), renew_every=renew_every, length=length).fence_after == fence_after


def test_it_counts_from_the_start_of_the_last_renewal():
    lease = Lease(object(), renew_every=0.5, length=6.0)
    lease.renewed_at = 100.0
    assert not lease.expired(now=105.5)
    assert lease.expired(now=105.6)
