"""Shared fixtures.

`platform` runs the real Skylift platform for the whole session: the ASGI server, a Celery
worker with beat, and a host agent, against the PostgreSQL and Redis that
platform/scripts/test-services.sh started (a database of its own, `skylift_it`), driving
the real Docker engine. Integration tests talk to it as users do: over HTTP and the SDK.
"""

from __future__ import annotations

pytest_plugins = ["tests.fixtures.live_platform"]
