"""The database as libpq sees it, for the pools Skylift opens beside Django's (the relay's, the fast path's)."""

from __future__ import annotations

from django.conf import settings
from psycopg.conninfo import make_conninfo

__all__ = ["conninfo"]

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
