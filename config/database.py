"""The database as libpq sees it, for the pools Skylift opens beside Django's (the relay's, the fast
path's), and how much of Django's own pool this process uses."""

from __future__ import annotations

from typing import NamedTuple

from django.conf import settings
from django.db import connections
from psycopg.conninfo import make_conninfo

__all__ = ["PoolUsage", "conninfo", "pool_usage"]

# Keys of a database's OPTIONS that Django reads itself; every other one is a libpq parameter
# (sslmode, sslrootcert, connect_timeout, options…) and reaches these pools as it reaches Django's.
DJANGO_OPTIONS = frozenset(
    {"pool", "isolation_level", "server_side_binding", "assume_role", "cursor_factory", "prepare_threshold"}
)


def conninfo(alias: str = "default") -> str:
    """The libpq connection string of a database in settings, every value quoted by psycopg."""
    db = settings.DATABASES[alias]
    params = {"client_encoding": "UTF8"}  # as Django's own connections
    params |= {k: v for k, v in (db.get("OPTIONS") or {}).items() if k not in DJANGO_OPTIONS}
    for key, setting in (("dbname", "NAME"), ("user", "USER"), ("password", "PASSWORD"), ("host", "HOST")):
        if db.get(setting):
            params[key] = db[setting]
    if db.get("PORT"):
        params["port"] = str(db["PORT"])
    return make_conninfo("", **params)


class PoolUsage(NamedTuple):
    """Django's pool of database connections in this process: open, handed out, and its bound."""

    open: int
    in_use: int
    max: int


def pool_usage(alias: str = "default") -> PoolUsage | None:
    """How much of this process's pool (psycopg_pool, through Django) is in use; None without one."""
    connection = connections[alias]
    if not connection.settings_dict.get("OPTIONS", {}).get("pool"):
        return None
    pool = connection.pool  # type: ignore[attr-defined]  # the PostgreSQL backend's, with OPTIONS["pool"]
    stats = pool.get_stats()
    opened = stats.get("pool_size", 0)
    return PoolUsage(open=opened, in_use=opened - stats.get("pool_available", 0), max=pool.max_size)
