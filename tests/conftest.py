"""Shared fixtures.

`platform` runs the real Skylift platform for the whole session: the ASGI server, a Celery
worker with beat, and a host agent, against the PostgreSQL and Redis that
platform/scripts/test-services.sh started (a database of its own, `skylift_it`), driving
the real Docker engine. Integration tests talk to it as users do: over HTTP and the SDK.

`make test` runs the suite in two lanes (pytest-xdist, `--dist loadscope` with the scheduler
below): one worker runs, in order and on one platform, every test that needs the session platform
or the tests' NVIDIA engine, and any other test outside LOCAL_DIRS and tests/browser; the other runs
the dashboard's tests in Chromium first, on a platform of its own, then the API, unit, state and web
layers and the compose stack's test (a stack of its own), a module at a time. The first lane mostly
waits on containers; the second mostly computes.
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


# Directories whose tests need no session platform, NVIDIA engine or browser: they run in the second
# lane. A test in one of them that asks for one of PLATFORM_FIXTURES is refused at collection.
LOCAL_DIRS = {"api", "unit", "state", "web", "stack"}
PLATFORM_FIXTURES = {"platform", "nvidia_engine", "swarm_engine", "chromium"}


# Work units that each need a platform, given out first, one to each worker, in this order.
FIRST_UNITS = ("platform", "browser")


def _lane(nodeid: str) -> str:
    """The work unit of a test under `--dist loadscope`: one for the first lane's tests (run in order
    by one worker), one for the browser's (the second lane starts with them), one per module of
    LOCAL_DIRS."""
    parts = nodeid.split("/")
    if len(parts) > 2 and parts[1] in LOCAL_DIRS:
        return nodeid.split("::")[0]
    if len(parts) > 2 and parts[1] == "browser":
        return "browser"
    return "platform"


def pytest_xdist_make_scheduler(config, log):
    """xdist's scheduler by module, with the first lane as one unit (see the module's docstring)."""
    from xdist.scheduler import LoadScopeScheduling

    class Lanes(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _lane(nodeid)

        def _assign_work_unit(self, node) -> None:
            # xdist gives out the units with the most tests first; the units that need a platform
            # go first instead, so that each worker starts one at once (the longest, "platform",
            # decides the run's time), then the rest, largest first.
            for unit in FIRST_UNITS:
                if unit in self.workqueue:
                    self.workqueue.move_to_end(unit, last=False)
                    break
            super()._assign_work_unit(node)

    return Lanes(config, log) if config.getvalue("dist") == "loadscope" else None


def pytest_collection_modifyitems(config, items):
    for item in items:
        needs = PLATFORM_FIXTURES & set(item.fixturenames)
        if needs and _lane(item.nodeid) not in FIRST_UNITS:
            raise pytest.UsageError(
                f"{item.nodeid} needs {', '.join(sorted(needs))}, but the tests of its directory run in"
                " the second lane, without them (tests/conftest.py): move it to a directory of the first"
                " lane, such as tests/integration/"
            )
