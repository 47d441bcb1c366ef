"""Settings shared by every mode, read from environment variables (django-environ).

With no variables at all the platform runs on its embedded default: `skylift server start`
starts PostgreSQL and Redis in the data directory and exports DATABASE_URL / REDIS_URL
to every process it launches. Production and tests point the same variables at external
servers. PostgreSQL in every mode: the delivery contract leans on row locks and SKIP LOCKED.
"""

from __future__ import annotations

import socket
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[2]

env = environ.Env()

DATA_DIR = Path(env.str("SKYLIFT_DATA_DIR", default=str(Path.home() / ".skylift" / "server")))

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="skylift-insecure-development-key-change-me-in-production")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "accounts",
    "apps",
    "functions",
    "hosts",
    "builds",
    "billing",
    "volumes",
    "vault",
    "state",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.errors.JsonErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://skylift@localhost/skylift")}
# A pool of connections (psycopg_pool, through Django): under ASGI each request runs in a fresh
# thread, so persistent per-thread connections would mean a new PostgreSQL session per request.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# A pooled connection is checked before it is handed out (with a pool, Django's health checks
# are the pool's check): after the database restarted or terminated sessions, a request gets a
# live connection instead of a dead one (RELIABILITY F8).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
    "min_size": env.int("DATABASE_POOL_MIN", default=2),
    "max_size": env.int("DATABASE_POOL_MAX", default=20),
    "timeout": 10,
}
# Statements prepared on the server: only those a plan marks `prepared`
# (functions/delivery/plans.py), which it runs with a cursor of its own that binds on the server
# and asks for preparing. Django's own cursors bind on the client and prepare nothing; Django
# leaves preparing off unless this is set (None), for poolers that do not keep sessions.
DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://localhost:6379/0")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.exists() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# The dashboard is a single page app; the session cookie carries its authentication.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("SKYLIFT_MAX_REQUEST_BYTES", default=64 * 1024 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.WorkspaceRole"],
    "DEFAULT_PARSER_CLASSES": ["config.errors.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "config.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Skylift API",
    "DESCRIPTION": "Apps, functions, calls and containers of a Skylift workspace.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "BuildStatusEnum": "builds.models.BuildStatus",
        "ImageStatusEnum": "builds.models.ImageStatus",
        "BuildStepStatusEnum": ["pending", "cached", "running", "built", "failed"],
        "TypeEnum": ["line", "event"],  # build log entries
        "VolumeEntryTypeEnum": ["file", "directory", "symlink", "other"],
        "SecretActionEnum": "vault.models.SecretAction",
        "TaskStatusEnum": "functions.models.TaskStatus",  # tasks and sandboxes
        "InviteStateEnum": ["pending", "accepted", "revoked", "expired"],
        "StateEnum": "apps.models.AppState",
        "RoleEnum": "accounts.models.Role",
        "ServiceTokenRoleEnum": ["admin", "member"],
        "FunctionCallStatusEnum": "functions.models.CallStatus",  # calls and the calls table's rows
    },
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL]},
    }
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
}

# Celery: explicit queues. `control` runs the autoscaler and sweeps; each host agent consumes
# `host.<name>` for container start/stop on that host.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "control"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Image builds run on their own queue, so a long build never delays the autoscaler.
CELERY_TASK_ROUTES = {"builds.tasks.*": {"queue": "builds"}}
CELERY_BEAT_SCHEDULE = {
    "autoscale": {"task": "functions.tasks.autoscale", "schedule": 1.0, "options": {"expires": 5}},
    # Schedules of deployed functions; a run not started within a second is made up by the next.
    "fire-schedules": {
        "task": "functions.tasks.fire_schedules",
        "schedule": 1.0,
        "options": {"expires": 1},
    },
    "expire-outputs": {
        "task": "functions.tasks.expire_outputs",
        "schedule": 600.0,
        "options": {"expires": 300},
    },
    # Builds whose worker went away fail, and the secret values they held leave the database.
    "sweep-abandoned-builds": {
        "task": "builds.tasks.sweep_abandoned_builds",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    # Ephemeral Dicts and Queues whose owner is done, and objects unused past their retention.
    "sweep-state": {
        "task": "state.tasks.sweep_state",
        "schedule": 60.0,
        "options": {"expires": 30},
    },
    # Usage that differs by over 1 % from its tasks' lifetimes is reported (billing/reconcile.py).
    "reconcile-usage": {
        "task": "billing.tasks.reconcile_usage",
        "schedule": 300.0,
        "options": {"expires": 120},
    },
    # Budgets' 50/80/100 % alerts (billing/budgets.py).
    "budget-alerts": {
        "task": "billing.tasks.budget_alerts",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    # Log lines past SKYLIFT_LOG_RETENTION_DAYS; the task sends itself again while a backlog remains.
    "purge-logs": {
        "task": "functions.tasks.purge_logs",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
    "sweep-blobs": {
        "task": "functions.tasks.sweep_blobs",
        "schedule": 24 * 3600.0,
        "options": {"expires": 3600},
    },
}

# Skylift
SKYLIFT_HOST_NAME = env.str("SKYLIFT_HOST_NAME", default=socket.gethostname())
# A host agent is the agent of the host its token names (hosts/tokens.py; `manage.py host_token`).
# With SKYLIFT_HOST_TOKEN_AUTO, an agent given none makes itself one at start: for an agent on the
# control plane's own machine (the embedded platform, the compose file's first agent, the tests).
SKYLIFT_HOST_TOKEN = env.str("SKYLIFT_HOST_TOKEN", default="")
SKYLIFT_HOST_TOKEN_AUTO = env.bool("SKYLIFT_HOST_TOKEN_AUTO", default=False)
# The GPUs this host offers when no NVIDIA driver reports them (simulated devices, docs/gpus.md),
# by Modal's names: "A100,A100", "H100:8". Where NVML answers, its devices are used instead.
SKYLIFT_HOST_GPUS = env.list("SKYLIFT_HOST_GPUS", default=[])
# Whether containers of declared (simulated) devices get a Docker device request for them too:
# "auto" (only real devices get one: an engine without an NVIDIA runtime refuses device requests)
# or "always" (the engine has an NVIDIA runtime, as the test engine's stand-in hook,
# platform/scripts/fake-nvidia/).
SKYLIFT_GPU_DEVICE_REQUESTS = env.str("SKYLIFT_GPU_DEVICE_REQUESTS", default="auto")
# How long a function's inputs wait for a host with room for its container (GPUs taken, CPU or
# memory full) before they fail with the reason; a request no host could ever hold fails at once.
SKYLIFT_PLACEMENT_TIMEOUT = env.float("SKYLIFT_PLACEMENT_TIMEOUT", default=600.0)
# How long a build step with gpu= waits for devices of its build's host to be free before its
# build fails with the reason; a step its host could never give them to fails at once.
SKYLIFT_BUILD_GPU_WAIT = env.float("SKYLIFT_BUILD_GPU_WAIT", default=SKYLIFT_PLACEMENT_TIMEOUT)
# Inputs of an app whose budget cap is reached wait this long, then fail with ResourceExhaustedError.
SKYLIFT_BUDGET_WAIT_SECONDS = env.float("SKYLIFT_BUDGET_WAIT_SECONDS", default=300.0)
# Budget alerts posted to a workspace's webhook (billing/alerts.py): attempts, and the wait before
# the second (doubled for each next one); private addresses (the platform's own network) refused.
SKYLIFT_WEBHOOK_ATTEMPTS = env.int("SKYLIFT_WEBHOOK_ATTEMPTS", default=8)
SKYLIFT_WEBHOOK_BACKOFF_SECONDS = env.float("SKYLIFT_WEBHOOK_BACKOFF_SECONDS", default=30.0)
SKYLIFT_WEBHOOK_PRIVATE_ADDRESSES = env.bool("SKYLIFT_WEBHOOK_PRIVATE_ADDRESSES", default=False)
SKYLIFT_HOST_DIR = Path(env.str("SKYLIFT_HOST_DIR", default=str(DATA_DIR / "host")))
# A host agent renews its lease every SKYLIFT_HEARTBEAT_SECONDS for SKYLIFT_HOST_LEASE_SECONDS;
# a host whose lease ran out is lost (its inputs run elsewhere, and it has fenced itself).
SKYLIFT_HEARTBEAT_SECONDS = env.float("SKYLIFT_HEARTBEAT_SECONDS", default=5.0)
SKYLIFT_HOST_LEASE_SECONDS = env.float("SKYLIFT_HOST_LEASE_SECONDS", default=30.0)
SKYLIFT_CONTAINER_CRASH_CAP = 3
# Each host agent samples its containers' cgroups and writes their usage this often (docs/billing.md);
# 0 turns metering off (the billing benchmark's baseline). Their disk use is read at most this often.
SKYLIFT_METER_SECONDS = env.float("SKYLIFT_METER_SECONDS", default=10.0)
SKYLIFT_METER_DISK_SECONDS = env.float("SKYLIFT_METER_DISK_SECONDS", default=60.0)
SKYLIFT_DEFAULT_SCALEDOWN_WINDOW = env.int("SKYLIFT_DEFAULT_SCALEDOWN_WINDOW", default=60)
# Sandbox containers kept started per image a workspace creates sandboxes from (functions/sandbox_pool.py);
# a workspace's own `sandbox_pool_size` overrides it; 0 keeps none.
SKYLIFT_SANDBOX_POOL_SIZE = env.int("SKYLIFT_SANDBOX_POOL_SIZE", default=2)
# An ephemeral app whose client has not sent a heartbeat for this long is stopped (its caller is gone).
SKYLIFT_CLIENT_ABANDONED_SECONDS = env.int("SKYLIFT_CLIENT_ABANDONED_SECONDS", default=30)
# Accepted inputs per second per workspace, and the burst allowed above that rate.
SKYLIFT_INPUT_RATE = env.int("SKYLIFT_INPUT_RATE", default=20_000)
SKYLIFT_INPUT_BURST = env.int("SKYLIFT_INPUT_BURST", default=100_000)
# Per-function limits, as Modal's: inputs waiting for a container, inputs waiting or running, and
# (for .spawn(), instead) inputs waiting. Past them submissions get 429 with Retry-After.
SKYLIFT_MAX_PENDING_INPUTS = env.int("SKYLIFT_MAX_PENDING_INPUTS", default=2_000)
SKYLIFT_MAX_OUTSTANDING_INPUTS = env.int("SKYLIFT_MAX_OUTSTANDING_INPUTS", default=25_000)
SKYLIFT_MAX_PENDING_SPAWNS = env.int("SKYLIFT_MAX_PENDING_SPAWNS", default=1_000_000)
# On a graceful stop, how long a running input may go on before it is handed back (preempted).
SKYLIFT_DRAIN_SECONDS = env.int("SKYLIFT_DRAIN_SECONDS", default=20)
# Where the relay puts containers' sockets (short: AF_UNIX paths stop at 107 bytes). Empty: a
# directory under the system temp dir. An agent running in a container needs a path the host shares.
SKYLIFT_SOCKET_DIR = env.str("SKYLIFT_SOCKET_DIR", default="")
# Where payloads above functions.blobs.THRESHOLD are kept (shared by the control plane and hosts).
SKYLIFT_BLOB_DIR = Path(env.str("SKYLIFT_BLOB_DIR", default=str(DATA_DIR / "blobs")))
# Volumes' files: one folder per volume, shared by the control plane and every host (a multi-host
# platform points it at shared storage mounted at the same path everywhere).
SKYLIFT_VOLUME_DIR = Path(env.str("SKYLIFT_VOLUME_DIR", default=str(DATA_DIR / "volumes")))
SKYLIFT_VOLUME_MAX_UPLOAD = env.int("SKYLIFT_VOLUME_MAX_UPLOAD", default=8 * 1024**3)  # bytes per request
# Secrets (vault/keys.py): comma-separated Fernet keys, the one that encrypts first. Without the
# variable the keys are kept in SKYLIFT_SECRETS_KEY_FILE, made with a fresh key (mode 0600) on first
# use: every process of one platform must read the same file. Production settings require the variable.
SKYLIFT_SECRETS_KEY = env.str("SKYLIFT_SECRETS_KEY", default="")
SKYLIFT_SECRETS_KEY_FILE = env.str("SKYLIFT_SECRETS_KEY_FILE", default=str(DATA_DIR / "secrets.key"))
SKYLIFT_SECRET_MAX_BYTES = env.int(
    "SKYLIFT_SECRET_MAX_BYTES", default=64 * 1024
)  # names and values of one secret
# The platform's URL as its users reach it: the issuer of containers' OIDC identity tokens, whose
# discovery document and keys are served at /.well-known/ (vault/identity.py).
SKYLIFT_PUBLIC_URL = env.str("SKYLIFT_PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")
# Invites to a workspace (accounts/team.py) are also e-mailed through Django's e-mail backend
# (EMAIL_BACKEND, EMAIL_HOST, ...) when this is on; the link is always shown to whoever invites.
SKYLIFT_INVITE_EMAILS = env.bool("SKYLIFT_INVITE_EMAILS", default=False)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="skylift@localhost")
# The most days a workspace's settings may keep its containers' logs (SKYLIFT_LOG_RETENTION_DAYS below).
SKYLIFT_LOG_RETENTION_MAX_DAYS = env.int("SKYLIFT_LOG_RETENTION_MAX_DAYS", default=365)
SKYLIFT_OIDC_AUDIENCE = env.str("SKYLIFT_OIDC_AUDIENCE", default="skylift")
SKYLIFT_IDENTITY_TOKEN_SECONDS = env.int("SKYLIFT_IDENTITY_TOKEN_SECONDS", default=3600)
# Dicts and Queues (state/). Keys and values are counted as the SDK's pickled bytes.
SKYLIFT_STATE_MAX_VALUE_BYTES = env.int("SKYLIFT_STATE_MAX_VALUE_BYTES", default=1024**2)
SKYLIFT_STATE_MAX_KEY_BYTES = env.int("SKYLIFT_STATE_MAX_KEY_BYTES", default=64 * 1024)
SKYLIFT_QUEUE_MAX_PARTITION_ITEMS = env.int("SKYLIFT_QUEUE_MAX_PARTITION_ITEMS", default=5_000)
# A named Dict or Queue nobody has read or written for this many days is deleted with its data.
SKYLIFT_STATE_RETENTION_DAYS = env.float("SKYLIFT_STATE_RETENTION_DAYS", default=30.0)
# An ephemeral one is deleted when its owner is done: the `ephemeral()` block ends, or the app run
# that made it stops (within a minute). One whose owner vanished without saying (a killed program)
# goes once unused this long.
SKYLIFT_STATE_EPHEMERAL_RETENTION_SECONDS = env.float(
    "SKYLIFT_STATE_EPHEMERAL_RETENTION_SECONDS", default=24 * 3600.0
)
# A redeploy of an app with min_containers goes live once the new version's warm containers run,
# waiting at most this long (then it goes live anyway).
SKYLIFT_DEPLOY_WARM_SECONDS = env.float("SKYLIFT_DEPLOY_WARM_SECONDS", default=30.0)
# Serve `.remote()` (one input, with a wait) on the lean async path of functions/fastpath.py.
SKYLIFT_FAST_PATH = env.bool("SKYLIFT_FAST_PATH", default=True)

# Web endpoints (docs/web-endpoints.md). With SKYLIFT_WEB_DOMAIN set (a wildcard DNS record and TLS in
# front), URLs are https://{workspace}--{app}-{function}.{domain}; without it, the path form under
# SKYLIFT_PUBLIC_URL (/web/{workspace}/{app}/{function}).
SKYLIFT_WEB_DOMAIN = env.str("SKYLIFT_WEB_DOMAIN", default="").strip(".").lower()
SKYLIFT_WEB_SCHEME = env.str("SKYLIFT_WEB_SCHEME", default="https")
SKYLIFT_WEB_MAX_BODY = env.int("SKYLIFT_WEB_MAX_BODY", default=4 * 1024**3)  # bytes per request
SKYLIFT_WEB_REQUEST_TIMEOUT = env.float(
    "SKYLIFT_WEB_REQUEST_TIMEOUT", default=150.0
)  # until the response starts
SKYLIFT_WEB_QUEUE_MAX = env.int("SKYLIFT_WEB_QUEUE_MAX", default=1000)  # requests waiting per function
SKYLIFT_WEB_QUEUE_SECONDS = env.float("SKYLIFT_WEB_QUEUE_SECONDS", default=60.0)  # then 503
# A request that finds no container at all waits this long for the first to start (then 503).
SKYLIFT_WEB_START_SECONDS = env.float("SKYLIFT_WEB_START_SECONDS", default=300.0)
SKYLIFT_WEB_RATE = env.int("SKYLIFT_WEB_RATE", default=0)  # requests/s per workspace; 0: its input rate
SKYLIFT_WEB_TRUSTED_PROXIES = env.list("SKYLIFT_WEB_TRUSTED_PROXIES", default=["127.0.0.1", "::1"])
# Raw TCP tunnels to sandboxes' `unencrypted_ports` (web/sandbox_tcp.py): the gateway listens on a
# port of this range ("20000-20999") per exposed port, on SKYLIFT_TCP_TUNNEL_BIND, and reports it at
# SKYLIFT_TCP_TUNNEL_HOST (default: SKYLIFT_PUBLIC_URL's host). Empty: no raw TCP tunnels.
SKYLIFT_TCP_TUNNEL_PORTS = env.str("SKYLIFT_TCP_TUNNEL_PORTS", default="")
SKYLIFT_TCP_TUNNEL_BIND = env.str("SKYLIFT_TCP_TUNNEL_BIND", default="0.0.0.0")
SKYLIFT_TCP_TUNNEL_HOST = env.str("SKYLIFT_TCP_TUNNEL_HOST", default="")
# Where a host agent listens for the gateway's tunnels, and the address it announces for them.
SKYLIFT_AGENT_WEB_BIND = env.str("SKYLIFT_AGENT_WEB_BIND", default="127.0.0.1:0")
SKYLIFT_AGENT_WEB_ADDRESS = env.str("SKYLIFT_AGENT_WEB_ADDRESS", default="")
# Whether a gateway on the agent's own machine is handed containers' connections on a Unix socket
# (no agent in a request's path), rather than tunnelled through the agent over TCP.
SKYLIFT_AGENT_WEB_LOCAL = env.bool("SKYLIFT_AGENT_WEB_LOCAL", default=True)
# The Docker bridge network of function containers and build steps, which Skylift makes with
# traffic between containers turned off (RELIABILITY S9, S18).
SKYLIFT_CONTAINER_NETWORK = env.str("SKYLIFT_CONTAINER_NETWORK", default="skylift")
# Each cluster (@clustered) gets a Docker network of its own, named with this prefix and its id,
# made when its first member starts and removed once its last has ended (docs/clusters.md). With
# the "bridge" driver its members are all placed on one host; with "overlay" (an attachable Docker
# Swarm overlay network the operator's hosts share) they may be placed on any hosts.
SKYLIFT_CLUSTER_NETWORK_PREFIX = env.str("SKYLIFT_CLUSTER_NETWORK_PREFIX", default="skylift-cluster")
SKYLIFT_CLUSTER_NETWORK_DRIVER = env.str("SKYLIFT_CLUSTER_NETWORK_DRIVER", default="bridge")
# The addresses clusters' networks take their subnets from (a /25 each); none of the hosts' own.
SKYLIFT_CLUSTER_SUBNETS = env.str("SKYLIFT_CLUSTER_SUBNETS", default="10.213.0.0/16")
if SKYLIFT_CLUSTER_NETWORK_DRIVER not in ("bridge", "overlay"):
    raise ImproperlyConfigured("SKYLIFT_CLUSTER_NETWORK_DRIVER must be bridge or overlay")
# The host's iptables rules that keep those containers off the host's own ports (hosts/firewall.py):
# "on" refuses to start containers where they cannot be put in place; "off" runs without them.
SKYLIFT_HOST_FIREWALL = env.str("SKYLIFT_HOST_FIREWALL", default="on")
SKYLIFT_FIREWALL_CHECK_SECONDS = env.float("SKYLIFT_FIREWALL_CHECK_SECONDS", default=30.0)
# Ports of the host containers may reach after all, e.g. "3141/tcp" for a package mirror that
# build steps use (index_url) on the build host itself.
SKYLIFT_HOST_FIREWALL_ALLOW = env.list("SKYLIFT_HOST_FIREWALL_ALLOW", default=[])
SKYLIFT_CONTAINER_RUNTIME = env.str("SKYLIFT_CONTAINER_RUNTIME", default="")  # e.g. "runsc"
SKYLIFT_LONG_POLL_SECONDS = 50
# Sign-in with a password (the dashboard's /api/v1/auth/session/ and /admin/login/): failed
# attempts allowed per account and per client address, earned back evenly over
# SKYLIFT_SIGNIN_WINDOW seconds. Past them every attempt is refused with 429 and Retry-After,
# the right password included (accounts/signin.py).
SKYLIFT_SIGNIN_ACCOUNT_FAILURES = env.int("SKYLIFT_SIGNIN_ACCOUNT_FAILURES", default=10)
SKYLIFT_SIGNIN_ADDRESS_FAILURES = env.int("SKYLIFT_SIGNIN_ADDRESS_FAILURES", default=50)
SKYLIFT_SIGNIN_WINDOW = env.int("SKYLIFT_SIGNIN_WINDOW", default=900)
SKYLIFT_BOOTSTRAP_ADMIN = env.str("SKYLIFT_BOOTSTRAP_ADMIN", default="admin")

# Images and builds (builds/). debian_slim's base image per Python version: bootstrapped locally by
# platform/scripts/base-image.sh; operators with a registry can add e.g. "3.12=python:3.12-slim".
# debian_slim's base image per Python version. The skylift/debian-slim ones a build host makes
# itself the first time they are asked for (platform/scripts/base-image.sh: Debian bookworm has
# Python 3.11, trixie 3.13).
SKYLIFT_PYTHON_BASE_IMAGES = env.dict(
    "SKYLIFT_PYTHON_BASE_IMAGES",
    default={"3.11": "skylift/debian-slim:3.11", "3.13": "skylift/debian-slim:3.13"},
)
# An image registry every host reaches (host[:port][/path], e.g. "registry.internal:5000"): built
# layers and debian_slim bases are pushed there, and hosts that lack one pull it instead of
# building it. Empty: one host, images stay on its Docker engine.
SKYLIFT_IMAGE_REGISTRY = env.str("SKYLIFT_IMAGE_REGISTRY", default="")
# Image.micromamba() and micromamba_install: the conda channels the environment's Python comes
# from, and those of a micromamba_install that names none. Names (conda-forge), URLs, or file://
# folders of this host (an offline mirror; bound read-only into the build step). Users may name
# other channels, but file:// ones only from this list.
SKYLIFT_CONDA_CHANNELS = env.list("SKYLIFT_CONDA_CHANNELS", default=["conda-forge"])
# Registries that may be on private or loopback addresses (host or host:port); all others must
# resolve to public addresses only (RELIABILITY B12).
SKYLIFT_REGISTRY_ALLOWLIST = env.list("SKYLIFT_REGISTRY_ALLOWLIST", default=[])
# The host's CA bundle, passed to build steps that reach the network (pip, uv, curl, git), where
# the host uses one: the first of these variables that names a file.
SKYLIFT_BUILD_CA_BUNDLE = env.str(
    "SKYLIFT_BUILD_CA_BUNDLE",
    default=next(
        (
            p
            for p in (env.str(v, default="") for v in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"))
            if p and Path(p).is_file()
        ),
        "",
    ),
)
SKYLIFT_BUILD_DIR = Path(env.str("SKYLIFT_BUILD_DIR", default=str(DATA_DIR / "builds")))
SKYLIFT_BUILD_LOG_SECONDS = 0.2  # how often a build flushes its log lines to watchers
# Containers' log lines are kept this many days (unless a workspace's settings say otherwise, up to
# SKYLIFT_LOG_RETENTION_MAX_DAYS), then deleted by the purge-logs job (functions/logs.py).
SKYLIFT_LOG_RETENTION_DAYS = env.int("SKYLIFT_LOG_RETENTION_DAYS", default=30)
SKYLIFT_LAYER_MAX_UNUSED_DAYS = env.int("SKYLIFT_LAYER_MAX_UNUSED_DAYS", default=30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("SKYLIFT_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "uvicorn.access": {"level": "WARNING"},
    },
}
