"""Functions and classes of deployed apps, looked up by name: `Function.from_name`, `Cls.from_name`.

A handle is lazy, as Modal's: nothing is asked of the server until it is first used, and an unknown
name then raises NotFoundError naming the app, the function and the environment. Until something
needs its description, `.remote()` and `.spawn()` name the function in the call itself (the server
finds it there): a fresh process's first call is one request. A handle stays
good across redeploys: the server sends calls made through a replaced function to its successor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._exceptions import InvalidError

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["Lookup", "remote_only"]


class Lookup:
    """The owner of handles looked up from one deployed app (an `Owner`, as an App is)."""

    def __init__(self, app_name: str, environment_name: str | None, client: Client | None) -> None:
        if not app_name or not isinstance(app_name, str):
            raise InvalidError("from_name needs the deployed app's name")
        self.app_name, self.environment_name = app_name, environment_name
        self._client: Client | None = client  # from the environment when first needed

    def client(self) -> Client:
        from ._relay_client import default_client

        if self._client is None:
            self._client = default_client()  # the relay's, inside a container
        return self._client

    def environment(self) -> str | None:
        from ._config import environment_name

        return self.environment_name or environment_name()

    def describe(self, name: str) -> dict[str, Any]:
        """The live version's function or class `name`, as the server describes it."""
        return self.client().function_lookup(self.app_name, name, environment=self.environment())

    def named(self, name: str) -> tuple[Client, dict[str, str]] | None:
        """The client, and the names a call to the function `name` gives instead of its id: the
        server then finds the function in the call's own request, with no lookup first (a first
        `.remote()` costs one request, not two). None where calls cannot name it (the relay's
        client, in a container: there the handle is looked up)."""
        from ._relay_client import RelayClient

        client = self.client()
        if isinstance(client, RelayClient):  # in a container, where the SDK's HTTP client is not
            return None
        names = {"app_name": self.app_name, "function_name": name}
        environment = self.environment()
        if environment:
            names["environment"] = environment
        return client, names


def remote_only(app_name: str, name: str) -> Any:
    """The stand-in body of a looked-up function: it runs only remotely."""

    def looked_up(*args: Any, **kwargs: Any) -> Any:
        raise InvalidError(
            f"{name} was looked up from the deployed app {app_name!r}: its code is not here, "
            "call it with .remote(), .map() or .spawn()"
        )

    looked_up.__name__ = looked_up.__qualname__ = name
    return looked_up
