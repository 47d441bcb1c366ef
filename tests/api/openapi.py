"""The API's operations, read from the OpenAPI schema the code generates (drf-spectacular).

Tests parametrize over these, so every new endpoint is walked without anyone remembering to add
it. The schema is generated from the URL conf rather than read from the committed `schema.yml`,
so an endpoint whose schema was not regenerated is walked too.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

__all__ = ["METHODS", "Operation", "operations", "paths"]

METHODS = ("get", "post", "put", "patch", "delete")
_PARAM = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class Operation:
    method: str  # lower case, as in the schema
    path: str  # the template, e.g. /api/v1/apps/{id}/stop/
    operation_id: str
    has_body: bool
    body_properties: tuple[str, ...] = ()
    query_params: tuple[str, ...] = ()
    required_query: tuple[str, ...] = ()
    path_params: tuple[str, ...] = field(default=())

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def resources(self) -> dict[str, str]:
        """Each path parameter with the collection it indexes: {"id": "apps"} for /apps/{id}/."""
        segments = self.path.strip("/").split("/")
        found = {}
        for i, segment in enumerate(segments):
            m = _PARAM.fullmatch(segment)
            if m:
                found[m[1]] = segments[i - 1]
        return found

    def url(self, **values: str) -> str:
        return _PARAM.sub(lambda m: values[m[1]], self.path)


@functools.cache
def _schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _properties(schema: dict, op: dict) -> tuple[str, ...]:
    content = op.get("requestBody", {}).get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    if not ref:
        return ()
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return tuple(component.get("properties", {}))


@functools.cache
def operations() -> tuple[Operation, ...]:
    schema = _schema()
    found = []
    for path, item in schema["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = op.get("parameters", [])
            found.append(
                Operation(
                    method=method,
                    path=path,
                    operation_id=op["operationId"],
                    has_body="requestBody" in op,
                    body_properties=_properties(schema, op),
                    query_params=tuple(p["name"] for p in params if p["in"] == "query"),
                    required_query=tuple(
                        p["name"] for p in params if p["in"] == "query" and p.get("required")
                    ),
                    path_params=tuple(p["name"] for p in params if p["in"] == "path"),
                )
            )
    return tuple(found)


def paths() -> dict[str, set[str]]:
    """Every path template with the methods the schema documents for it."""
    found: dict[str, set[str]] = {}
    for op in operations():
        found.setdefault(op.path, set()).add(op.method)
    return found
