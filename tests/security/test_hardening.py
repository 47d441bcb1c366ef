"""S7: every container the platform starts follows the hardening policy (0 violations).

Runs functions through the real platform, then inspects, with `docker inspect`, every container
labelled with this session's host: those of this module and of any test that ran before it.
"""

from __future__ import annotations

import errno

import pytest

from tests.security import hardening_app
from tests.security.hardening import assert_hardened

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ran(platform):
    # Inspect while the app runs: stopping it removes its containers.
    with hardening_app.app.run(client=platform.client("alice")):
        online = hardening_app.probe.remote()
        offline = hardening_app.offline_probe.remote()
        hardening_app.volume_probe.remote()
        io = hardening_app.io_write_probe.remote()
        yield platform, online, offline, io


def test_it_starts_containers_that_follow_the_hardening_policy(ran):
    # given functions ran in containers
    platform, _, _, _ = ran
    # when every container of this host is inspected
    checked = assert_hardened(platform)
    # then there were some, and none broke the policy (assert_hardened lists each violation)
    assert checked >= 3


def test_it_cuts_the_network_of_a_function_that_blocks_it(ran):
    # given
    platform, online, offline, _ = ran
    # then inside, only the loopback interface exists
    assert offline["interfaces"] == ["lo"]
    assert len(online["interfaces"]) > 1
    # and docker says the same
    function_ids = {
        row[0] for row in platform.sql("SELECT id FROM functions_function WHERE name = %s", ["offline_probe"])
    }
    modes = {
        c["HostConfig"]["NetworkMode"]
        for c in platform.containers()
        if c["Config"]["Labels"].get("skylift.function") in function_ids  # (sandboxes: none)
    }
    assert modes == {"none"}


def test_a_container_cannot_write_to_the_host_through_its_io_folder(ran):
    # given a function that wrote a megabyte beside its data-plane socket (the one folder of the
    # host a container sees, and once a way to fill the host's disk)
    _, _, _, io = ran
    # then the write was refused, and the socket alone is there (the call came back through it)
    assert io == {"written": False, "errno": errno.EROFS, "listing": ["sock"]}
