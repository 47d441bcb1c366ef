"""Secrets: environment variables a function's containers (or a build step) get.

A named secret lives on the server, encrypted, in an environment of the workspace
(`Secret.from_name`, `skylift secret create`); its values never come back to a client. An inline
secret (`from_dict`, `from_local_environ`, `from_dotenv`) carries its values from this machine to
the server with the app that uses it, which stores them the same way and deletes them when the
app stops. In a function's list, later secrets win (as Modal's do).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._context import check_not_restricted
from ._exceptions import InvalidError, NotFoundError

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["Secret", "SecretInfo"]


def _in_container() -> bool:
    return os.environ.get("SKYLIFT_IS_REMOTE") == "1"


def _checked(env: dict[str, Any], where: str) -> dict[str, str]:
    if not isinstance(env, dict):
        raise InvalidError(f"{where} takes a dict of variable names to string values")
    out = {}
    for key, value in env.items():
        if value is None:  # dropped, as Modal drops them
            continue
        if not isinstance(key, str) or not key.isidentifier():
            raise InvalidError(f"secret keys must be environment variable names, got {key!r}")
        if not isinstance(value, str):
            raise InvalidError(f"secret values must be strings; {key} is {type(value).__name__}")
        out[key] = value
    return out


@dataclass(frozen=True)
class SecretInfo:
    """What the server tells of a named secret: never its values."""

    name: str
    environment: str
    keys: list[str]
    created_at: datetime | None
    created_by: str | None


class _Objects:
    """`Secret.objects`: create, list and delete named secrets."""

    def create(
        self,
        name: str,
        env_dict: dict[str, str],
        *,
        environment_name: str | None = None,
        allow_existing: bool = False,
        client: Client | None = None,
    ) -> None:
        """Create a named secret; with `allow_existing`, replace the values of one of that name."""
        values = _checked(env_dict, "Secret.objects.create")
        api = _client(client)
        environment = _environment(environment_name)
        try:
            api.secret_create(name, values, environment=environment)
        except InvalidError as err:  # 409: the name is taken
            found = api.secret_lookup(name, environment=environment) if allow_existing else None
            if found is None:
                raise err from None
            api.secret_replace(found["id"], values)

    def list(self, *, environment_name: str | None = None, client: Client | None = None) -> list[Secret]:
        """The named secrets of the environment."""
        found = _client(client).secret_list(environment=_environment(environment_name))
        return [
            Secret(name=s["name"], environment_name=s.get("environment"), object_id=s["id"]) for s in found
        ]

    def delete(
        self,
        name: str,
        *,
        allow_missing: bool = False,
        environment_name: str | None = None,
        client: Client | None = None,
    ) -> None:
        """Delete the named secret (refused while a running app's functions are given it)."""
        api = _client(client)
        found = api.secret_lookup(name, environment=_environment(environment_name))
        if found is None:
            if allow_missing:
                return
            raise NotFoundError(_not_found(name, environment_name))
        api.secret_delete(found["id"])


def _client(client: Client | None) -> Client:
    if client is not None:
        return client
    check_not_restricted()
    if _in_container():
        raise InvalidError(
            "Secrets are managed from outside containers; a function reads its own from os.environ."
        )
    from ._client import Client

    return Client.from_env()


def _environment(name: str | None) -> str | None:
    from ._config import environment_name

    return name or environment_name()


def _not_found(name: str, environment: str | None) -> str:
    shown = _environment(environment) or "main"
    return (
        f"Secret {name!r} not found in the environment {shown!r}. Create it with "
        f"`skylift secret create {name} KEY=value ...` (or in the dashboard's Secrets page)."
    )


class Secret:
    """Environment variables for functions and build steps: `Secret.from_name("db")` for a named
    secret of the workspace, `Secret.from_dict({...})` to send values along with the app."""

    objects = _Objects()

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        name: str | None = None,
        environment_name: str | None = None,
        required_keys: Sequence[str] = (),
        object_id: str | None = None,
        dotenv: Path | None = None,
    ) -> None:
        self._env = _checked(env, "Secret") if env is not None else None
        self.name = name
        self._environment_name = environment_name
        self._required_keys = list(required_keys)
        self._object_id = object_id
        self._dotenv = dotenv
        self._client: Client | None = None

    # Making one -----------------------------------------------------------------------------

    @staticmethod
    def from_name(
        name: str,
        *,
        environment_name: str | None = None,
        required_keys: Sequence[str] = (),
        client: Client | None = None,
    ) -> Secret:
        """The named secret of the workspace's environment, looked up when the app runs or
        deploys (NotFoundError then if it does not exist, or lacks one of `required_keys`)."""
        if not isinstance(name, str) or not name:
            raise InvalidError("Secret.from_name needs the secret's name")
        if isinstance(required_keys, str) or not all(isinstance(k, str) for k in required_keys):
            raise InvalidError("required_keys must be a list of variable names")
        secret = Secret(name=name, environment_name=environment_name, required_keys=required_keys)
        secret._client = client
        return secret

    @staticmethod
    def from_dict(env_dict: dict[str, str | None] | None = None) -> Secret:
        """A secret holding these variables (None values are left out), sent with the app."""
        return Secret(_checked(env_dict if env_dict is not None else {}, "Secret.from_dict"))

    @staticmethod
    def from_local_environ(env_keys: list[str]) -> Secret:
        """A secret holding these variables of this process's environment, sent with the app."""
        if isinstance(env_keys, str) or not all(isinstance(k, str) for k in env_keys):
            raise InvalidError("Secret.from_local_environ takes a list of variable names")
        if _in_container():  # what it held reaches the container as its variables already
            return Secret({})
        missing = [k for k in env_keys if k not in os.environ]
        if missing:
            raise InvalidError(f"not set in the local environment: {', '.join(missing)}")
        return Secret({k: os.environ[k] for k in env_keys})

    @staticmethod
    def from_dotenv(
        path: str | os.PathLike[str] | None = None, *, filename: str = ".env", client: Client | None = None
    ) -> Secret:
        """A secret holding the variables of a .env file, read when the app runs or deploys.

        `path` is the file, or a folder holding `filename`; by default the `filename` found in the
        current folder or the nearest folder above it."""
        if _in_container():
            return Secret({})
        if path is not None:
            given = Path(path)
            found: Path | None = given / filename if given.is_dir() else given
        else:
            found = next(
                (d / filename for d in (Path.cwd(), *Path.cwd().parents) if (d / filename).is_file()), None
            )
        if found is None or not found.is_file():
            raise InvalidError(
                f"No {filename} file found (looked {'at ' + str(path) if path else 'from ' + str(Path.cwd()) + ' up'})"
            )
        return Secret(dotenv=found)

    # Using one ------------------------------------------------------------------------------

    def hydrate(self, client: Client | None = None) -> Secret:
        """Look a named secret up (checking its required keys); read an inline one's .env file."""
        if client is not None:
            self._client = client
        if self._dotenv is not None and self._env is None:
            self._env = read_dotenv(self._dotenv)
        if self.name is None or self._object_id is not None:
            return self
        found = _client(self._client).secret_lookup(
            self.name, environment=_environment(self._environment_name)
        )
        if found is None:
            raise NotFoundError(_not_found(self.name, self._environment_name))
        missing = [k for k in self._required_keys if k not in found["keys"]]
        if missing:
            raise NotFoundError(
                f"Secret {self.name!r} lacks the required keys {', '.join(missing)} "
                f"(it has {', '.join(found['keys']) or 'none'}). Add them with "
                f"`skylift secret create {self.name} ... --force` or in the dashboard."
            )
        self._object_id = found["id"]
        return self

    @property
    def object_id(self) -> str | None:
        """The server's id of a named secret (looked up now); None for an inline secret."""
        if self.name is None:
            return None
        return self.hydrate()._object_id

    def info(self) -> SecretInfo:
        """The named secret's names of variables, and when and by whom it was made."""
        if self.name is None:
            raise InvalidError("info() is for named secrets (Secret.from_name)")
        found = _client(self._client).secret_lookup(
            self.name, environment=_environment(self._environment_name)
        )
        if found is None:
            raise NotFoundError(_not_found(self.name, self._environment_name))
        created = found.get("created_at")
        return SecretInfo(
            name=found["name"],
            environment=found.get("environment") or "main",
            keys=list(found["keys"]),
            created_at=datetime.fromisoformat(created) if isinstance(created, str) else created,
            created_by=found.get("created_by"),
        )

    def update(self, env_dict: dict[str, str]) -> None:
        """Add or change variables of the named secret, keeping the others."""
        if self.name is None:
            raise InvalidError("update() is for named secrets (Secret.from_name)")
        values = _checked(env_dict, "Secret.update")
        secret_id = self.hydrate()._object_id
        assert secret_id is not None
        _client(self._client).secret_edit(secret_id, values)

    def _ref(self) -> dict[str, Any]:
        """What a function's definition sends: a named secret's id (its name, for the server to
        look up, before `hydrate`), an inline one's values."""
        if self.name is not None:
            if self._object_id is not None:
                return {"id": self._object_id}
            return {
                "name": self.name,
                "environment": _environment(self._environment_name) or "",
                "required_keys": list(self._required_keys),
            }
        self.hydrate()
        return {"values": dict(self._env or {})}

    def __repr__(self) -> str:
        if self.name is not None:
            return f"Secret.from_name({self.name!r})"
        if self._env is None:
            return f"Secret.from_dotenv({str(self._dotenv)!r})"
        return f"Secret({', '.join(sorted(self._env))})"


def read_dotenv(path: Path) -> dict[str, str]:
    """The variables of a .env file; InvalidError naming the line of an entry that does not parse."""
    from dotenv.parser import parse_stream

    values: dict[str, str] = {}
    with open(path, encoding="utf-8") as stream:
        for binding in parse_stream(stream):
            if binding.error:
                raise InvalidError(
                    f"{path}, line {binding.original.line}: cannot parse {binding.original.string.strip()!r} "
                    "(expected NAME=value)"
                )
            if binding.key is not None and binding.value is not None:
                values[binding.key] = binding.value
    return _checked(values, str(path))


def build_secrets(secrets: Iterable[Secret] | Secret | None, where: str) -> tuple[Secret, ...]:
    """A build step's secrets, checked as the image is described (their values are read when the
    image is sent to be built)."""
    if secrets is None:
        return ()
    if isinstance(secrets, Secret):
        raise InvalidError(f"{where}: pass a list of secrets, e.g. secrets=[secret]")
    out = tuple(secrets)
    for secret in out:
        if not isinstance(secret, Secret):
            raise InvalidError(f"{where}: expected skylift.Secret objects, got {type(secret).__name__}")
    return out


def build_secret_spec(
    secrets: Iterable[Secret], client: Client | None
) -> tuple[list[dict[str, str]], list[str]]:
    """What a build request sends for a step's secrets: the inline ones' values, and the named
    ones' ids (the server puts their values first)."""
    values: list[dict[str, str]] = []
    ids: list[str] = []
    for secret in secrets:
        secret.hydrate(client)
        if secret.name is not None:
            assert secret._object_id is not None  # hydrate() found it or raised
            ids.append(secret._object_id)
        else:
            values.append(dict(secret._env or {}))
    return values, ids


def secret_refs(secrets: Iterable[Secret]) -> list[dict[str, Any]]:
    """The references a function's definition sends for its secrets, in order."""
    return [secret._ref() for secret in secrets]
