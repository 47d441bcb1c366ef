"""Classes: `@app.cls()` with `@enter`/`@exit` hooks, `@method()`s and `parameter()` fields.

`Model(size="large")` binds parameter values; each distinct set of values (and each
`with_options(...)`) is its own pool of containers on the server: a variant of the class.
"""

from __future__ import annotations

import inspect
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Unpack

import cloudpickle

from ._exceptions import InvalidError
from ._function import Function, Owner
from ._partial import BATCHED_ATTR, CONCURRENT_ATTR, HOOK_ATTR, METHOD_ATTR, PARAMETER_TYPES, Parameter
from ._variants import Variant
from ._web import check_web_function, web_config

if TYPE_CHECKING:
    from ._client import Client
    from ._typing import ResourceOptions

__all__ = ["BoundCls", "Cls", "class_definition"]


def _methods(user_cls: type) -> dict[str, Any]:
    """The methods callers may call: `@method()`s, and `@batched(...)` ones (a method without `@method()`)."""
    found = {}
    for klass in reversed(user_cls.__mro__):
        for name, value in vars(klass).items():
            if getattr(value, CONCURRENT_ATTR, None) and inspect.isfunction(value):
                raise InvalidError(
                    f"@skylift.concurrent goes on the class {user_cls.__qualname__}, not on its method {name}"
                )
            if (
                getattr(value, METHOD_ATTR, None) is not None
                or getattr(value, BATCHED_ATTR, None)
                or web_config(value) is not None
            ):
                found[name] = value
    return found


def _parameters(user_cls: type) -> dict[str, Parameter]:
    found = {}
    for klass in reversed(user_cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Parameter):
                found[name] = value
    return found


def class_definition(user_cls: type) -> dict[str, Any]:
    """What the container runtime needs: the methods, their batching, the class's concurrency."""
    methods = _methods(user_cls)
    if not methods:
        raise InvalidError(
            f"{user_cls.__qualname__} has no @skylift.method(): mark the methods callers may call"
        )
    definition: dict[str, Any] = {
        "kind": "class",
        "methods": {
            name: {"batching": getattr(fn, BATCHED_ATTR, None), "is_async": inspect.iscoroutinefunction(fn)}
            for name, fn in methods.items()
        },
    }
    for name, fn in methods.items():
        web = web_config(fn)
        if web is not None:
            check_web_function(fn, web, f"{user_cls.__qualname__}.{name}", method=True)
            definition["methods"][name]["web"] = web
    if any("web" in spec for spec in definition["methods"].values()):
        # A web request picks the class's parameters from its query string: the gateway reads them as these types.
        annotations = inspect.get_annotations(user_cls, eval_str=False)
        definition["parameters"] = {
            name: {"type": _type_name(annotations.get(name)), "required": not param.has_default}
            for name, param in _parameters(user_cls).items()
            if param.init
        }
    if getattr(user_cls, CONCURRENT_ATTR, None):
        definition["concurrency"] = getattr(user_cls, CONCURRENT_ATTR)
    hooks = [
        getattr(v, HOOK_ATTR)["kind"]
        for k in user_cls.__mro__
        for v in vars(k).values()
        if getattr(v, HOOK_ATTR, None)
    ]
    definition["hooks"] = sorted(set(hooks))
    return definition


def _type_name(annotation: Any) -> str:
    """ "int", "str", "bytes" or "bool" for a parameter's annotation (a string one too)."""
    name = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "str")
    return name if name in ("int", "str", "bytes", "bool") else "str"


def _check_params(user_cls: type, params: dict[str, Any]) -> dict[str, Any]:
    declared = _parameters(user_cls)
    unknown = set(params) - set(declared)
    if unknown:
        raise InvalidError(
            f"{user_cls.__qualname__} has no parameter {sorted(unknown)[0]!r}; "
            f"its parameters are: {', '.join(declared) or 'none'}"
        )
    values: dict[str, Any] = {}
    annotations = inspect.get_annotations(user_cls, eval_str=False)
    for name, param in declared.items():
        if name in params:
            value = params[name]
        elif param.has_default:
            value = param.default
        else:
            raise InvalidError(f"{user_cls.__qualname__} needs a value for its parameter {name!r}")
        expected = annotations.get(name)
        expected_type = (
            expected
            if isinstance(expected, type)
            else {"int": int, "str": str, "bytes": bytes, "bool": bool}.get(str(expected))
        )
        if not isinstance(value, PARAMETER_TYPES) or (expected_type and type(value) is not expected_type):
            raise InvalidError(
                f"parameter {name!r} of {user_cls.__qualname__} must be "
                f"{getattr(expected_type, '__name__', 'int, str, bytes or bool')}, got {type(value).__name__}"
            )
        values[name] = value
    return values


def remote_class(app_name: str, name: str, definition: dict[str, Any]) -> type:
    """A stand-in for a class looked up by name: its methods as the deployed definition lists them."""
    from ._lookup import remote_only

    namespace: dict[str, Any] = {}
    for method, spec in (definition.get("methods") or {}).items():
        stub = remote_only(app_name, f"{name}.{method}")
        setattr(stub, METHOD_ATTR, {"is_generator": bool(spec.get("is_generator"))})
        if spec.get("batching"):
            setattr(stub, BATCHED_ATTR, spec["batching"])
        namespace[method] = stub
    return type(name, (), namespace)


class Cls:
    """A registered class. Call it with parameter values to get a handle whose methods run remotely."""

    def __init__(self, app: Owner, user_cls: type[Any], *, name: str, options: dict[str, Any]) -> None:
        self._app = app
        self._user_cls = user_cls
        self._name = name
        self._options = options
        self._variant = Variant()  # with_options(), with_concurrency(), with_batching()
        self._parent: Cls | None = None  # the class with_options() was called on
        self.object_id: str | None = None
        self._variants: dict[str, str] = {}  # variant key -> function id
        self._looked_up = False  # Cls.from_name: its methods come from the server
        self._web_urls: dict[str, str] = {}  # its web methods' URLs (method -> URL), set by the server
        self.__name__ = user_cls.__name__
        self.__qualname__ = user_cls.__qualname__
        self.__module__ = user_cls.__module__
        self.__doc__ = user_cls.__doc__

    @classmethod
    def from_name(
        cls, app_name: str, name: str, *, environment_name: str | None = None, client: Client | None = None
    ) -> Cls:
        """The class `name` of the deployed app `app_name`: `Cls.from_name("app", "Model")(size=3)`.

        It is looked up when first bound or used; NotFoundError then if the app or class does not
        exist. Its parameters are checked in the container, where the class's code is.
        """
        from ._lookup import Lookup

        found = Cls(Lookup(app_name, environment_name, client), object, name=name, options={"definition": {}})
        found._looked_up = True
        return found

    def hydrate(self, client: Client | None = None) -> Cls:
        """Look the class up now (a looked-up one is otherwise looked up when first used)."""
        self._describe()
        return self

    def _describe(self) -> None:
        """For a class looked up by name: its methods as deployed (looked up once)."""
        from ._lookup import Lookup

        root = self._root()
        if not root._looked_up or root.object_id is not None:
            return
        assert isinstance(root._app, Lookup)
        described = root._app.describe(root._name)
        if (described.get("definition") or {}).get("kind") != "class":
            raise InvalidError(
                f"{root._name} of the app {root._app.app_name!r} is a function: use Function.from_name"
            )
        definition = described["definition"]
        root._user_cls = remote_class(root._app.app_name, root._name, definition)
        root._options = {**root._options, "definition": definition}
        root.object_id = described["id"]
        root._web_urls = described.get("web_urls") or {}
        for clone in (self, root):
            clone._user_cls, clone._options = root._user_cls, {**clone._options, "definition": definition}

    def get_raw_f(self) -> type[Any]:
        return self._user_cls

    def _web_url(self, method: str) -> str | None:
        root = self._root()
        root._describe()
        return root._web_urls.get(method)

    def _web_part(self, method: str) -> dict[str, Any] | None:
        """The web description of one of its methods, when that method is a web endpoint."""
        self._describe()
        spec = (self._options.get("definition", {}).get("methods") or {}).get(method) or {}
        web: dict[str, Any] | None = spec.get("web")
        return web

    def __call__(self, **params: Any) -> BoundCls:
        if self._root()._looked_up:
            self._describe()
            return BoundCls(self, dict(params), self._variant.overrides)
        return BoundCls(self, _check_params(self._user_cls, params), self._variant.overrides)

    def _with_variant(self, variant: Variant) -> Cls:
        clone = Cls(self._app, self._user_cls, name=self._name, options=self._options)
        clone._variant = variant
        clone._parent = self
        clone._looked_up = self._looked_up
        return clone

    def with_options(self, **options: Unpack[ResourceOptions]) -> Cls:
        """The same class with other resources, scaling, retries or timeout: its own pool of
        containers. Stacks: `Model.with_options(gpu="A100").with_options(timeout=60)`."""
        return self._with_variant(self._variant.with_options(options))

    def with_concurrency(self, *, max_inputs: int, target_inputs: int | None = None) -> Cls:
        """The same class running up to `max_inputs` inputs at once per container, as
        `@skylift.concurrent` on the class does: its own pool of containers."""
        return self._with_variant(
            self._variant.with_concurrency(
                self._options["definition"], max_inputs=max_inputs, target_inputs=target_inputs
            )
        )

    def with_batching(self, *, max_batch_size: int, wait_ms: int) -> Cls:
        """The same class with its batched method (or its only method) called with batches of
        inputs, as `@skylift.batched` does: its own pool of containers."""
        return self._with_variant(
            self._variant.with_batching(
                self._options["definition"], max_batch_size=max_batch_size, wait_ms=wait_ms, name=self._name
            )
        )

    def _root(self) -> Cls:
        return self._parent._root() if self._parent is not None else self

    def __getattr__(self, name: str) -> Any:
        # `Model.method.remote()` with no parameters: a class whose parameters all have defaults.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self(), name)

    def __repr__(self) -> str:
        return f"<skylift.Cls {self._name}>"


class BoundCls:
    """A class with its parameter values: `Model(size="large").predict.remote(x)`."""

    def __init__(self, cls: Cls, params: dict[str, Any], overrides: dict[str, Any]) -> None:
        self._cls = cls
        self._params = params
        self._overrides = overrides
        self._local: Any = None
        for name, fn in _methods(cls._user_cls).items():
            setattr(
                self,
                name,
                Function(
                    cls._app, fn, name=f"{cls._name}.{name}", options=cls._options, method=name, owner=self
                ),
            )

    def _web_url(self, method: str) -> str | None:
        return self._cls._web_url(method)

    def _web_part(self, method: str) -> dict[str, Any] | None:
        return self._cls._web_part(method)

    def _hydrated(self) -> tuple[Client, str]:
        root = self._cls._root()
        app = root._app
        client = app._client
        if client is None:
            from ._relay_client import container_client

            relay = container_client()  # inside a container: the relay's; a class of its own app by name
            if relay is not None:
                if root.object_id is None:
                    root.object_id = relay.function_in_app(root._name)["id"]
                client = relay.as_client()
        if root.object_id is None or client is None:
            raise InvalidError(
                f"{self._cls._name} is not running on Skylift: call its methods inside `with app.run():` or from a "
                "@app.local_entrypoint() run by `skylift run`, or use .local()."
            )
        declared = _parameters(self._cls._user_cls)
        # Values equal to the defaults are the class's own pool: Model() and Model(size=<default>) share it.
        distinct = {
            k: v
            for k, v in self._params.items()
            if not (k in declared and declared[k].has_default and declared[k].default == v)
        }
        if not distinct and not self._overrides:
            return client, root.object_id
        blob = cloudpickle.dumps(dict(sorted(self._params.items()))) if self._params else None
        key = repr(sorted(distinct.items())) + json.dumps(self._overrides, sort_keys=True)
        if key not in root._variants:
            root._variants[key] = client.function_variant(
                root.object_id, params=blob, options=self._overrides
            )["id"]
        return client, root._variants[key]

    def _local_instance(self) -> Any:
        """An instance in this process, for `.local()`: parameters set, `@enter` hooks run once."""
        if self._local is None:
            user_cls: Any = self._cls._user_cls  # any class: its own __new__ and __init__
            instance = user_cls.__new__(user_cls)
            for name, value in self._params.items():
                setattr(instance, name, value)
            if user_cls.__init__ is not object.__init__:
                instance.__init__()
            for klass in reversed(user_cls.__mro__):
                for value in vars(klass).values():
                    hook = getattr(value, HOOK_ATTR, None)
                    if hook and hook["kind"] == "enter":
                        value(instance)
            self._local = instance
        return self._local

    def __repr__(self) -> str:
        return f"<skylift.Cls {self._cls._name}({self._params})>"
