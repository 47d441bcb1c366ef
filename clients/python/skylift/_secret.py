"""Secrets for image builds: environment variables a build step (or a registry pull) needs.

This server does not store named secrets yet; a Secret carries its values from the caller's
machine to the build that needs them. Values never enter an image's identity (only the
variable names do), are never stored with the image spec, and are masked in build logs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from ._exceptions import InvalidError

__all__ = ["Secret"]


class Secret:
    """Environment variables for a build step, e.g. `Secret.from_dict({"HF_TOKEN": "..."})`."""

    def __init__(self, env: dict[str, str]):
        for key, value in env.items():
            if not isinstance(key, str) or not key.isidentifier():
                raise InvalidError(f"secret keys must be environment variable names, got {key!r}")
            if not isinstance(value, str):
                raise InvalidError(f"secret values must be strings; {key} is {type(value).__name__}")
        self._env = dict(env)

    @staticmethod
    def from_dict(env_dict: dict[str, str]) -> Secret:
        """A secret holding these variables."""
        if not isinstance(env_dict, dict):
            raise InvalidError("Secret.from_dict takes a dict of names to string values")
        return Secret(env_dict)

    @staticmethod
    def from_local_environ(env_keys: list[str]) -> Secret:
        """A secret holding these variables of this process's environment."""
        missing = [k for k in env_keys if k not in os.environ]
        if missing:
            raise InvalidError(f"not set in the local environment: {', '.join(missing)}")
        return Secret({k: os.environ[k] for k in env_keys})

    @staticmethod
    def from_name(name: str, **kwargs: Any) -> Secret:
        raise InvalidError(
            f"Named secrets ({name!r}) are not supported by this Skylift server yet; "
            "use Secret.from_dict(...) or Secret.from_local_environ([...])."
        )

    def __repr__(self) -> str:
        return f"Secret({', '.join(sorted(self._env))})"


def secret_values(secrets: Iterable[Secret] | Secret | None, where: str) -> list[dict[str, str]]:
    """The env dicts of a list of Secrets, for a build request."""
    if secrets is None:
        return []
    if isinstance(secrets, Secret):
        raise InvalidError(f"{where}: pass a list of secrets, e.g. secrets=[secret]")
    out = []
    for secret in secrets:
        if not isinstance(secret, Secret):
            raise InvalidError(f"{where}: expected skylift.Secret objects, got {type(secret).__name__}")
        out.append(dict(secret._env))
    return out
