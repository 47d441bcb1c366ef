"""Test settings: DATABASE_URL and REDIS_URL point at the servers platform/scripts/test-services.sh started."""

import os

# Under pytest-xdist (`make test` runs two workers) each worker gets a Redis database of its own, as
# pytest-django gives each a PostgreSQL database of its own: gw0 uses 1, gw1 2 (platforms the tests
# launch run their own Redis servers).
if os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw") and "REDIS_URL" in os.environ:
    os.environ["REDIS_URL"] = (
        os.environ["REDIS_URL"].rpartition("/")[0] + f"/{int(os.environ['PYTEST_XDIST_WORKER'][2:]) + 1}"
    )

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SKYLIFT_DEFAULT_SCALEDOWN_WINDOW = env.int("SKYLIFT_DEFAULT_SCALEDOWN_WINDOW", default=10)
SKYLIFT_DRAIN_SECONDS = env.int("SKYLIFT_DRAIN_SECONDS", default=3)
SKYLIFT_CLIENT_ABANDONED_SECONDS = env.int("SKYLIFT_CLIENT_ABANDONED_SECONDS", default=12)
# The tests' webhook receivers listen on 127.0.0.1, and retry within a second.
SKYLIFT_WEBHOOK_PRIVATE_ADDRESSES = env.bool("SKYLIFT_WEBHOOK_PRIVATE_ADDRESSES", default=True)
SKYLIFT_WEBHOOK_BACKOFF_SECONDS = env.float("SKYLIFT_WEBHOOK_BACKOFF_SECONDS", default=0.5)
# The test platform's agents run beside their control plane: they make their own host tokens.
SKYLIFT_HOST_TOKEN_AUTO = env.bool("SKYLIFT_HOST_TOKEN_AUTO", default=True)
