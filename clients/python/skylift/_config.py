"""Client configuration: profiles in ~/.skylift.toml, overridden by SKYLIFT_* variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Config", "config_path", "environment_name", "load_config", "write_profile"]

DEFAULT_SERVER_URL = "http://127.0.0.1:8000"


def config_path() -> Path:
    return Path(os.environ.get("SKYLIFT_CONFIG_PATH") or Path.home() / ".skylift.toml")


@dataclass(frozen=True)
class Config:
    server_url: str
    token_id: str | None
    token_secret: str | None
    profile: str | None
    source: str  # where the settings came from, for error messages


def _read() -> dict[str, Any]:
    import tomllib  # here: skylift.contract imports this module, also in containers on Python 3.10

    path = config_path()
    if not path.exists():
        return {}
    with path.open("rb") as f:
        return tomllib.load(f)


def load_config(profile: str | None = None) -> Config:
    data = _read()
    profile = profile or os.environ.get("SKYLIFT_PROFILE")
    if profile is None:
        active = [name for name, p in data.items() if isinstance(p, dict) and p.get("active")]
        profile = active[0] if active else ("default" if "default" in data else next(iter(data), None))
    section = data.get(profile, {}) if profile else {}
    source = f"profile {profile!r} in {config_path()}" if section else "defaults"
    env_url = os.environ.get("SKYLIFT_SERVER_URL")
    env_id, env_secret = os.environ.get("SKYLIFT_TOKEN_ID"), os.environ.get("SKYLIFT_TOKEN_SECRET")
    if env_url or env_id:
        source = "SKYLIFT_* environment variables" + (f" and {source}" if section else "")
    return Config(
        server_url=(env_url or section.get("server_url") or DEFAULT_SERVER_URL).rstrip("/"),
        token_id=env_id or section.get("token_id"),
        token_secret=env_secret or section.get("token_secret"),
        profile=profile,
        source=source,
    )


def environment_name() -> str | None:
    """The environment to deploy to and look names up in: SKYLIFT_ENVIRONMENT, else the active
    profile's `environment`, else None (the server's default, `main`)."""
    if os.environ.get("SKYLIFT_ENVIRONMENT"):
        return os.environ["SKYLIFT_ENVIRONMENT"]
    data = _read()
    profile = os.environ.get("SKYLIFT_PROFILE") or next(
        (name for name, p in data.items() if isinstance(p, dict) and p.get("active")), None
    )
    section = data.get(profile, {}) if profile else {}
    return section.get("environment") or None


def write_profile(
    name: str, *, token_id: str, token_secret: str, server_url: str, activate: bool = True
) -> Path:
    """Write (or replace) a profile; the file is readable by its owner only."""
    import tomli_w

    data = _read()
    if activate:
        for section in data.values():
            if isinstance(section, dict):
                section.pop("active", None)
    data[name] = {"token_id": token_id, "token_secret": token_secret, "server_url": server_url.rstrip("/")}
    if activate:
        data[name]["active"] = True
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        tomli_w.dump(data, f)
    return path
