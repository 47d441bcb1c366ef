"""`skylift.Dict`: a key-value store shared by functions and their callers, as Modal's.

    d = skylift.Dict.from_name("cache", create_if_missing=True)
    d["key"] = {"any": "picklable value"}
    d.get("key"); "key" in d; d.pop("key"); d.update(a=1, b=2); list(d.items())

Entries live in the platform's PostgreSQL (they survive restarts) until popped, cleared, or the
Dict is deleted, or goes unused past its retention (docs/state.md). Every blocking method has
an `.aio` twin: `await d.get.aio("key")`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from ._function import _Blocking, _BlockingIter
from ._state import ObjectInfo, Objects, StateObject, dumps, loads, pages, preview

__all__ = ["Dict"]

_MISSING = object()


class Dict(StateObject):
    """A distributed dictionary: keys and values are anything cloudpickle can serialize."""

    _kind: ClassVar[str] = "dict"
    _prefix: ClassVar[str] = "di"
    objects: ClassVar[Objects[Dict]]

    @_Blocking
    def info(self) -> ObjectInfo:
        return ObjectInfo(self._api().state_get("dict", self.object_id))

    @_Blocking
    def get(self, key: Any, default: Any = None) -> Any:
        """The value of `key`, or `default` when it has none."""
        value = self._api().dict_get(self.object_id, dumps(key, "key"))
        return default if value is None else loads(value, "value")

    @_Blocking
    def contains(self, key: Any) -> bool:
        return self._api().dict_get(self.object_id, dumps(key, "key")) is not None

    @_Blocking
    def put(self, key: Any, value: Any, *, skip_if_exists: bool = False) -> bool:
        """Set `key` to `value`; with skip_if_exists a key that has a value keeps it. True if written."""
        entry = (dumps(key, "key"), dumps(value, "value"), preview(key), preview(value))
        return self._api().dict_put(self.object_id, [entry], skip_if_exists=skip_if_exists) > 0

    @_Blocking
    def update(self, other: Mapping[Any, Any] | None = None, /, **kwargs: Any) -> None:
        """Set several keys at once, all or none."""
        items = {**(dict(other) if other is not None else {}), **kwargs}
        entries = [(dumps(k, "key"), dumps(v, "value"), preview(k), preview(v)) for k, v in items.items()]
        for start in range(0, len(entries), 1000):
            self._api().dict_put(self.object_id, entries[start : start + 1000], skip_if_exists=False)

    @_Blocking
    def pop(self, key: Any, default: Any = _MISSING) -> Any:
        """Remove `key` and return its value; KeyError when it has none and no default is given."""
        value = self._api().dict_pop(self.object_id, dumps(key, "key"))
        if value is None:
            if default is _MISSING:
                raise KeyError(key)
            return default
        return loads(value, "value")

    @_Blocking
    def len(self) -> int:
        return self._api().dict_len(self.object_id)

    @_Blocking
    def clear(self) -> None:
        """Remove every entry."""
        self._api().dict_clear(self.object_id)

    def _entries(self, values: bool) -> Iterator[dict[str, Any]]:
        api, object_id = self._api(), self.object_id
        return pages(
            lambda after, limit: api.dict_entries(object_id, after=after, limit=limit, values=values)
        )

    @_BlockingIter
    def keys(self) -> Iterator[Any]:
        for entry in self._entries(values=False):
            yield loads(entry["key"], "key")

    @_BlockingIter
    def values(self) -> Iterator[Any]:
        for entry in self._entries(values=True):
            yield loads(entry["value"], "value")

    @_BlockingIter
    def items(self) -> Iterator[tuple[Any, Any]]:
        for entry in self._entries(values=True):
            yield loads(entry["key"], "key"), loads(entry["value"], "value")

    def __getitem__(self, key: Any) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        self.put(key, value)

    def __delitem__(self, key: Any) -> None:
        self.pop(key)

    def __contains__(self, key: Any) -> bool:
        return bool(self.contains(key))

    def __len__(self) -> int:
        return int(self.len())

    def __iter__(self) -> Iterator[Any]:
        return iter(self.keys())


Dict.objects = Objects(Dict)
