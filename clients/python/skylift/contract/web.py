"""Web endpoints in a function's definition: what the SDK writes, the server routes and the runtime serves.

A function served over HTTP has `definition["web"]`; a class's web methods have
`definition["methods"][name]["web"]` (skylift._web writes them: kind "fastapi", "asgi", "wsgi"
or "server", and the decorator's options).

Standard library only: the runtime imports this in containers.
"""

from __future__ import annotations

from typing import Any

__all__ = ["web_parts"]


def web_parts(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The served parts of a definition: method name ("" for a function) -> its web description."""
    if definition.get("web"):
        return {"": definition["web"]}
    return {
        name: spec["web"]
        for name, spec in (definition.get("methods") or {}).items()
        if (spec or {}).get("web")
    }
