"""Shared fixtures.

`platform` runs the real Skylift platform for the whole session: the ASGI server, a Celery
worker with beat, and a host agent, against the PostgreSQL and Redis that
platform/scripts/test-services.sh started (a database of its own, `skylift_it`), driving
the real Docker engine. Integration tests talk to it as users do: over HTTP and the SDK.
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
