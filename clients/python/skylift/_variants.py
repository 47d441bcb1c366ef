"""Variants: a function or class with other options (`with_options`), another concurrency
(`with_concurrency`) or batching (`with_batching`). Each is its own pool of containers on the
server (POST /functions/{id}/variants/), made the first time a variant is called.

`Variant` is what a `Function` or a `Cls` handle carries: the overrides stack, each call on a
new handle; what the server gets is their checked API form.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._concurrency import batching_config, concurrency_config
from ._exceptions import InvalidError
from ._options import options_spec, parse_options

__all__ = ["VARIANT_OPTIONS", "Variant"]

# What with_options() may change: the server's variant options (functions.services).
VARIANT_OPTIONS = (
    "cpu",
    "memory",
    "gpu",
    "timeout",
    "retries",
    "min_containers",
    "max_containers",
    "buffer_containers",
    "max_inputs",
    "scaledown_window",
    "secrets",  # in place of the function's own, as Modal's with_options
)
# Options of @app.function() that a variant keeps from its function.
_FIXED = (
    "image",
    "volumes",
    "block_network",
    "i6pn",
    "restrict_modal_access",
    "serialized",
    "include_source",
)


def _options_overrides(given: Mapping[str, Any]) -> dict[str, Any]:
    for name in _FIXED:
        if name in given:
            raise InvalidError(
                f"with_options() cannot change {name}; give it to @app.function() or @app.cls() "
                f"(with_options() changes: {', '.join(VARIANT_OPTIONS)})"
            )
    try:
        spec = options_spec(parse_options(**given))
    except TypeError as exc:  # a positional argument, say
        raise InvalidError(f"with_options(): {exc}") from None
    keys = set(given) | ({"max_inputs"} if given.get("single_use_containers") else set())
    if "env" in given:  # an inline secret: with secrets=, after them; alone, in place of the function's
        keys.add("secrets")
    return {k: spec[k] for k in VARIANT_OPTIONS if k in keys and k in spec}


def _has_batching(definition: Mapping[str, Any]) -> bool:
    methods = definition.get("methods") or {}
    return bool(definition.get("batching")) or any((m or {}).get("batching") for m in methods.values())


@dataclass(frozen=True)
class Variant:
    """The overrides of a handle: `with_options()` options as given (merged over the stack), and
    the function's definition when `with_concurrency()` or `with_batching()` changed it."""

    options: dict[str, Any] = field(default_factory=dict)
    definition: dict[str, Any] | None = None
    overrides: dict[str, Any] = field(default_factory=dict)  # the API form of both

    def _with(self, options: dict[str, Any], definition: dict[str, Any] | None) -> Variant:
        overrides = _options_overrides(options)
        if definition is not None:
            overrides["definition"] = definition
        return Variant(options=options, definition=definition, overrides=overrides)

    @property
    def key(self) -> str:
        """Tells variants apart (the server hashes the same overrides to the same variant)."""
        return json.dumps(self.overrides, sort_keys=True, separators=(",", ":"))

    def with_options(self, options: Mapping[str, Any]) -> Variant:
        return self._with({**self.options, **options}, self.definition)

    def with_concurrency(
        self, base: Mapping[str, Any], *, max_inputs: int, target_inputs: int | None
    ) -> Variant:
        """`base` is the function's definition as decorated."""
        definition = dict(self.definition if self.definition is not None else base)
        config = concurrency_config(max_inputs, target_inputs)
        if _has_batching(definition):
            raise InvalidError("with_concurrency() cannot be combined with @batched or with_batching()")
        definition["concurrency"] = config
        return self._with(self.options, definition)

    def with_batching(
        self, base: Mapping[str, Any], *, max_batch_size: int, wait_ms: int, name: str
    ) -> Variant:
        definition = dict(self.definition if self.definition is not None else base)
        config = batching_config(max_batch_size, wait_ms)
        if definition.get("concurrency"):
            raise InvalidError("with_batching() cannot be combined with @concurrent or with_concurrency()")
        if definition.get("kind") != "class":
            definition["batching"] = config
            return self._with(self.options, definition)
        # A batched class has one method (as Modal's): its @batched one, or its only one.
        methods: dict[str, Any] = definition.get("methods") or {}
        targets = [n for n, m in methods.items() if (m or {}).get("batching")]
        if not targets and len(methods) == 1:
            targets = list(methods)
        if not targets:
            raise InvalidError(
                f"with_batching(): {name} has {len(methods)} methods and none is @batched; "
                "batching applies to a class's @batched method, or to its only method"
            )
        definition["methods"] = {
            n: {**(m or {}), "batching": config} if n in targets else m for n, m in methods.items()
        }
        return self._with(self.options, definition)
