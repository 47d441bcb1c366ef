"""Public object ids with type prefixes, as Modal's: `ap-…`, `fu-…`, `fc-…`, `in-…`, `ta-…`."""

from __future__ import annotations

import secrets
import string

__all__ = ["new_id", "IdFactory"]

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 22) -> str:
    """`prefix-` and `length` random letters and digits (131 bits for 22), from one read of the
    system's randomness: ids are made on the hot paths (calls, inputs, web requests)."""
    n = int.from_bytes(secrets.token_bytes(length + 2), "big")  # 8 bits a character: no visible bias
    chars = []
    for _ in range(length):
        n, r = divmod(n, 62)
        chars.append(_ALPHABET[r])
    return f"{prefix}-" + "".join(chars)


class IdFactory:
    """A picklable default for CharField primary keys (migrations must be able to serialize it)."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def __call__(self) -> str:
        return new_id(self.prefix)

    def deconstruct(self) -> tuple[str, tuple[str], dict[str, object]]:
        return ("config.ids.IdFactory", (self.prefix,), {})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdFactory) and other.prefix == self.prefix

    def __hash__(self) -> int:
        return hash(self.prefix)
