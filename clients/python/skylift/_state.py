"""What Dicts and Queues share: finding one (by name, by id, or a new ephemeral one), pickling,
previews, `objects.create/list/delete`, and passing one to a function by reference.

Keys and values are cloudpickled here; the platform stores the bytes and never unpickles them.
A Dict finds an entry by the sha256 of its pickled key, so two keys are the same key when they
pickle to the same bytes (`1` and `1.0` are two keys, as `True` and `1` are).

Outside a container requests go to the server over HTTP; inside one, through the container's
relay (`skylift._relay_client`), scoped to the container's workspace. Standard library and
cloudpickle only: the in-container runtime imports this.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import cloudpickle

from ._exceptions import DeserializationError, InvalidError, NotFoundError, SerializationError

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["Ephemeral", "ObjectInfo", "StateObject", "dumps", "loads", "preview"]

PREVIEW_CHARS = 200
_PREVIEW_SOURCE_MAX = 16 * 1024  # larger dicts and lists are not turned into JSON for a preview

Obj = TypeVar("Obj", bound="StateObject")


def dumps(value: Any, what: str) -> bytes:
    try:
        data: bytes = cloudpickle.dumps(value)
        return data
    except Exception as exc:  # noqa: BLE001 - name what failed
        raise SerializationError(
            f"The {what} cannot be pickled: {type(exc).__name__}: {exc}. "
            "Store data that cloudpickle can serialize (no locks, sockets, open files or generators)."
        ) from None


def loads(data: bytes, what: str) -> Any:
    try:
        return cloudpickle.loads(data)
    except Exception as exc:  # noqa: BLE001
        raise DeserializationError(
            f"The {what} could not be unpickled here: {type(exc).__name__}: {exc}"
        ) from None


def preview(value: Any) -> str:
    """A short text the CLI can show for plain text and JSON-able values; "" for anything else."""
    if isinstance(value, str):
        return value[:PREVIEW_CHARS]
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)
    if isinstance(value, (dict, list, tuple)) and len(value) <= 256:
        try:
            text = json.dumps(value)
        except (TypeError, ValueError):
            return ""
        return text[:PREVIEW_CHARS] if len(text) <= _PREVIEW_SOURCE_MAX else ""
    return ""


class ObjectInfo:
    """`info()` of a Dict or Queue."""

    def __init__(self, found: dict[str, Any]) -> None:
        self.object_id: str = found["id"]
        self.name: str | None = found.get("name")
        self.environment_name: str | None = found.get("environment")
        created = found.get("created_at")
        self.created_at = (
            datetime.fromisoformat(created.replace("Z", "+00:00")) if isinstance(created, str) else created
        )

    def __repr__(self) -> str:
        return f"ObjectInfo(name={self.name!r}, object_id={self.object_id!r}, environment={self.environment_name!r})"


def _client_for(client: Client | None) -> Client:
    if client is not None:
        return client
    from ._relay_client import default_client

    return default_client()


class StateObject:
    """A handle on a Dict or Queue: looked up (or created) when first used."""

    _kind: ClassVar[str]  # "dict" or "queue"
    _prefix: ClassVar[str]

    def __init__(
        self,
        name: str | None,
        *,
        object_id: str | None = None,
        environment_name: str | None = None,
        create_if_missing: bool = False,
        client: Client | None = None,
    ) -> None:
        self.name = name
        self._object_id = object_id
        self._environment_name = environment_name
        self._create_if_missing = create_if_missing
        self._client = client

    @classmethod
    def _label(cls) -> str:
        return cls._kind.capitalize()

    @classmethod
    def from_name(
        cls: type[Obj],
        name: str,
        *,
        environment_name: str | None = None,
        create_if_missing: bool = False,
        client: Client | None = None,
    ) -> Obj:
        """The one of this name in the environment, looked up when first used (lazily)."""
        if not isinstance(name, str) or not name:
            raise InvalidError(f"{cls._label()}.from_name needs a name")
        return cls(
            name, environment_name=environment_name, create_if_missing=create_if_missing, client=client
        )

    @classmethod
    def from_id(cls: type[Obj], object_id: str, *, client: Client | None = None) -> Obj:
        if not isinstance(object_id, str) or not object_id.startswith(cls._prefix + "-"):
            raise InvalidError(f"not a {cls._kind} id: {object_id!r}")
        return cls(None, object_id=object_id, client=client)

    @classmethod
    def lookup(
        cls: type[Obj],
        name: str,
        *,
        environment_name: str | None = None,
        create_if_missing: bool = False,
        client: Client | None = None,
    ) -> Obj:
        """`from_name`, looked up now."""
        found = cls.from_name(name, environment_name=environment_name, create_if_missing=create_if_missing)
        return found.hydrate(client)

    @classmethod
    def ephemeral(
        cls: type[Obj], *, environment_name: str | None = None, client: Client | None = None
    ) -> Ephemeral[Obj]:
        """A new, nameless one, deleted with its data when the `with` (or `async with`) block ends."""
        return Ephemeral(cls, environment_name, client)

    @classmethod
    def delete(
        cls,
        name: str,
        *,
        environment_name: str | None = None,
        allow_missing: bool = False,
        client: Client | None = None,
    ) -> None:
        """Delete the one of this name, with all its data."""
        api = _client_for(client)
        found = api.state_lookup(cls._kind, name, environment=_environment(environment_name))
        if found is None:
            if allow_missing:
                return
            raise NotFoundError(f"{cls._label()} {name!r} not found.")
        api.state_delete(cls._kind, found["id"])

    def hydrate(self: Obj, client: Client | None = None) -> Obj:
        """Look it up on the server (creating it with create_if_missing); returns self."""
        if client is not None:
            self._client = client
        if self._object_id is not None:
            return self
        name = self.name
        if name is None:
            raise InvalidError(f"a {self._label()} needs a name (from_name) or an id (from_id)")
        api = self._api()
        environment = _environment(self._environment_name)
        found = api.state_lookup(self._kind, name, environment=environment)
        if found is None and self._create_if_missing:
            try:
                found = api.state_create(self._kind, name, environment=environment)
            except InvalidError:
                found = api.state_lookup(self._kind, name, environment=environment)  # made meanwhile (409)
                if found is None:
                    raise  # the name itself was refused
        if found is None:
            where = f" in the environment {environment!r}" if environment else ""
            raise NotFoundError(
                f"{self._label()} {name!r} not found{where}. Create it with "
                f"{self._label()}.from_name({name!r}, create_if_missing=True)."
            )
        self._object_id = found["id"]
        return self

    @property
    def object_id(self) -> str:
        object_id = self.hydrate()._object_id
        assert object_id is not None  # hydrate() found it or raised
        return object_id

    def _api(self) -> Client:
        if self._client is None:
            self._client = _client_for(None)
        return self._client

    def __reduce__(self) -> tuple[Any, ...]:
        # Passed to a function by reference: its id travels, and the container uses it through its relay.
        return (_by_id, (type(self), self.object_id))

    def __repr__(self) -> str:
        return f"{self._label()}({self.name or self._object_id!r})"


def _by_id(cls: type[Obj], object_id: str) -> Obj:
    return cls(None, object_id=object_id)


def _environment(name: str | None) -> str | None:
    if name is not None:
        return name
    from ._relay_client import container_client

    if container_client() is not None:
        return None  # the container's own environment
    from ._config import environment_name

    return environment_name()


class Ephemeral(Generic[Obj]):
    """`with Dict.ephemeral() as d:` (or `async with`): made on entry, deleted on exit."""

    def __init__(self, cls: type[Obj], environment_name: str | None, client: Client | None) -> None:
        self.cls, self.environment_name, self.client = cls, environment_name, client
        self.made: Obj | None = None

    def __enter__(self) -> Obj:
        api = _client_for(self.client)
        found = api.state_create(self.cls._kind, None, environment=_environment(self.environment_name))
        self.made = self.cls(None, object_id=found["id"], client=api)
        return self.made

    def __exit__(self, *exc: object) -> None:
        if self.made is not None:
            try:
                self.made._api().state_delete(self.cls._kind, self.made.object_id)
            except NotFoundError:
                pass

    async def __aenter__(self) -> Obj:
        import asyncio

        return await asyncio.to_thread(self.__enter__)

    async def __aexit__(self, *exc: object) -> None:
        import asyncio

        await asyncio.to_thread(self.__exit__)


class Objects(Generic[Obj]):
    """`Dict.objects` / `Queue.objects`: create, list and delete them by name."""

    def __init__(self, cls: type[Obj]) -> None:
        self.cls = cls

    def create(
        self,
        name: str,
        *,
        environment_name: str | None = None,
        allow_existing: bool = False,
        client: Client | None = None,
    ) -> None:
        api = _client_for(client)
        try:
            api.state_create(self.cls._kind, name, environment=_environment(environment_name))
        except InvalidError as err:
            if not (allow_existing and "already exists" in str(err)):
                raise

    def list(
        self,
        *,
        environment_name: str | None = None,
        max_objects: int | None = None,
        client: Client | None = None,
    ) -> list[Obj]:
        api = _client_for(client)
        found = api.state_list(self.cls._kind, environment=_environment(environment_name))
        named = [f for f in found if f.get("name")]
        if max_objects is not None:
            named = named[:max_objects]
        return [self.cls(f["name"], object_id=f["id"], client=api) for f in named]

    def delete(
        self,
        name: str,
        *,
        environment_name: str | None = None,
        allow_missing: bool = False,
        client: Client | None = None,
    ) -> None:
        self.cls.delete(name, environment_name=environment_name, allow_missing=allow_missing, client=client)


def pages(fetch: Any, page_size: int = 1000) -> Iterator[dict[str, Any]]:
    """Entries page by page (`fetch(after, limit)`), by their id cursor."""
    after = 0
    while True:
        page = fetch(after, page_size)
        yield from page
        if len(page) < page_size:
            return
        after = int(page[-1]["id"])
