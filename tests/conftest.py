"""Shared fixtures.

`platform` runs the real Skylift platform for the whole session: the ASGI server, a Celery
worker with beat, and a host agent, against the PostgreSQL and Redis that
platform/scripts/test-services.sh started (a database of its own, `skylift_it`), driving
the real Docker engine. Integration tests talk to it as users do: over HTTP and the SDK.

`make test` runs the suite in two lanes (pytest-xdist, `--dist loadgroup`): one worker runs, in
order and on one platform, every test that needs the session platform, the tests' NVIDIA engine or
a browser, or lives anywhere else; the other runs, a module at a time beside it, the tests that need
none of these (the API, unit, state, web and client layers, and the compose stack's test, which
brings up a stack of its own). The first lane mostly waits on containers; the second mostly computes.
"""

from __future__ import annotations

import pytest
from django.test import override_settings

pytest_plugins = ["tests.fixtures.live_platform", "tests.fixtures.nvidia_engine"]


@pytest.fixture(scope="session", autouse=True)
def _volume_dir(tmp_path_factory):
    """Volumes made in this process keep their files in a folder of the session's own."""
    with override_settings(SKYLIFT_VOLUME_DIR=tmp_path_factory.mktemp("volumes")):
        yield


# Directories whose tests need no session platform or browser (unless a test asks for one of the
# fixtures below): they run in the second lane.
LOCAL_DIRS = {"api", "unit", "state", "web", "clients", "stack"}
PLATFORM_FIXTURES = {"platform", "nvidia_engine"}


def pytest_collection_modifyitems(config, items):
    """Each test's lane under `--dist loadgroup` (see the module's docstring); no effect without xdist."""
    for item in items:
        parts = item.nodeid.split("/")
        local = len(parts) > 2 and parts[1] in LOCAL_DIRS and not PLATFORM_FIXTURES & set(item.fixturenames)
        group = f"local:{item.nodeid.split('::')[0]}" if local else "platform"
        item.add_marker(pytest.mark.xdist_group(group))
