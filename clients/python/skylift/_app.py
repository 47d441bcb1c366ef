"""Apps: a named group of functions and classes, run ephemerally with `app.run()` or `skylift run`."""

from __future__ import annotations

import contextlib
import inspect
import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, cast

from ._cls import Cls, class_definition
from ._exceptions import InvalidError
from ._function import Function, FunctionDecorator
from ._image import Image, client_python_version
from ._options import options_spec, parse_options
from ._partial import BATCHED_ATTR, CONCURRENT_ATTR, parameter
from ._schedule import Schedule
from ._web import check_web_function, web_config
from .contract.clusters import check_cluster, cluster_size
from .experimental import CLUSTERED_ATTR

if TYPE_CHECKING:
    from typing_extensions import Unpack, dataclass_transform

    from ._client import Client
    from ._mount import Source
    from ._secret import Secret
    from ._typing import FunctionOptions
    from ._volume import Volume
else:

    def dataclass_transform(**kwargs: Any) -> Callable[[Any], Any]:
        return lambda f: f  # only type checkers read it (Python 3.10 has no typing.dataclass_transform)


__all__ = ["App", "LocalEntrypoint", "is_local"]

# The client tells the server it is still there this often; an ephemeral app whose client has
# gone quiet for a while is stopped (RELIABILITY F11).
CLIENT_HEARTBEAT_SECONDS = 5.0
HEARTBEAT_RETRY_SECONDS = 1.0

P = ParamSpec("P")
T = TypeVar("T")
C = TypeVar("C")


def is_local() -> bool:
    """True in the caller's process, False inside a Skylift container."""
    return os.environ.get("SKYLIFT_IS_REMOTE") != "1"


class LocalEntrypoint(Generic[P, T]):
    """A function that runs on the caller's machine when the app is run with `skylift run`."""

    def __init__(self, app: App, raw_f: Callable[P, T], name: str) -> None:
        self.app, self.raw_f, self.name = app, raw_f, name

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> T:
        return self.raw_f(*args, **kwargs)


class App:
    """A group of functions that run together.

    Args:
        name: The app's name, shown in the dashboard (defaults to the module's name).
        image: Default image of its functions and classes (taken as each is decorated).
        secrets: Secrets every function and class gets, before its own (whose variables win).
        volumes: Volumes every function and class mounts; a function's own volume at the same
            path replaces the app's.
        include_source: Accepted for Modal's sake: Skylift always sends a function's own module
            (or package) with it, so a program that also puts its source in the image runs the same.
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        image: Image | None = None,
        secrets: Sequence[Secret] = (),
        volumes: dict[str | PurePosixPath, Volume] | None = None,
        include_source: bool = True,
    ) -> None:
        # The same checks, and errors, as a function's options.
        defaults = _parse({"image": image, "secrets": secrets, "volumes": volumes}, "App()")
        if not isinstance(include_source, bool):
            raise InvalidError(f"App(): include_source must be True or False, got {include_source!r}")
        self.name = name
        self.image = image
        self.secrets: list[Secret] = list(secrets)
        self.volumes: dict[str, Volume] = defaults["volumes"]
        self.include_source = include_source
        self.registered_functions: dict[str, Function[..., Any, Any]] = {}
        self.registered_classes: dict[str, Cls] = {}
        self.registered_entrypoints: dict[str, LocalEntrypoint[..., Any]] = {}
        self._client: Client | None = None
        self.app_id: str | None = None
        self._deployed: dict[str, Any] | None = None  # the server's answer to the last deploy

    def _with_defaults(self, parsed: dict[str, Any]) -> dict[str, Any]:
        """A function's or class's options with the app's defaults filled in, as it is decorated."""
        return {
            **parsed,
            "image": parsed["image"] or self.image,
            "volumes": {**self.volumes, **parsed["volumes"]},
            "secrets": [*self.secrets, *parsed["secrets"]],  # the app's first, so a function's own win
        }

    @property
    def registered_web_endpoints(self) -> list[str]:
        """The names of its functions served over HTTP, and `Class.method` for a class's web methods."""
        names = [tag for tag, f in self.registered_functions.items() if f._options["definition"].get("web")]
        for tag, cls in self.registered_classes.items():
            methods = cls._options["definition"].get("methods") or {}
            names += [f"{tag}.{m}" for m, spec in methods.items() if (spec or {}).get("web")]
        return names

    def include(self, other_app: App, /, inherit_tags: bool = True) -> App:
        """Add another app's functions and classes to this one: they run when this app runs.

        Each keeps the options (image, volumes...) it was defined with. A name this app already
        uses for another object is taken over by the other app's, with a warning (as Modal does).
        `inherit_tags` is accepted for Modal's sake: Skylift apps have no tags.
        """
        if not isinstance(other_app, App):
            raise InvalidError(f"App.include() takes a skylift.App, got {type(other_app).__name__}")
        _merge(self.registered_functions, other_app.registered_functions)
        _merge(self.registered_classes, other_app.registered_classes)
        return self

    def function(
        self,
        _warn_parentheses_missing: Any = None,
        *,
        name: str | None = None,
        schedule: Schedule | None = None,
        **options: Unpack[FunctionOptions],
    ) -> FunctionDecorator:
        """Register a function to run in containers. Options are keyword-only and validated here.

        Options: image, cpu, memory, gpu, timeout, secrets, volumes, scaledown_window, block_network,
        retries, min_containers, max_containers, buffer_containers, max_inputs, serialized.
        `schedule` (a `Period` or a `Cron`) runs the function by itself, with no arguments, once
        its app is deployed.
        """
        if _warn_parentheses_missing is not None:
            if callable(_warn_parentheses_missing):
                raise InvalidError("Use @app.function() with parentheses.")
            raise InvalidError("@app.function() options are keyword-only, e.g. @app.function(gpu='T4').")
        if schedule is not None and not isinstance(schedule, Schedule):
            raise InvalidError(
                f"schedule= takes a skylift.Period or a skylift.Cron, got {type(schedule).__name__}"
            )
        parsed = self._with_defaults(_parse(options, "@app.function()"))
        if schedule is not None:
            parsed["schedule"] = schedule

        def wrapper(f: Callable[..., Any]) -> Function[..., Any, Any]:
            if isinstance(f, Function):
                raise InvalidError(f"{f._name} is already registered as a function")
            if not callable(f):
                raise InvalidError("@app.function() decorates a function")
            tag = name or f.__qualname__
            if schedule is not None:
                _check_no_arguments(f, tag)
            definition = _function_definition(f)
            check_cluster(cluster_size(definition), parsed["gpu"], parsed)
            function: Function[..., Any, Any] = Function(
                self, f, name=tag, options={**parsed, "definition": definition}
            )
            self.registered_functions[tag] = function
            return function

        return cast("FunctionDecorator", wrapper)  # its overloads say which Function it makes

    # A class's parameter() fields become the keyword arguments of its handles, as a dataclass's
    # fields do (for type checkers that read dataclass_transform on a method, as pyright does).
    @dataclass_transform(field_specifiers=(parameter,), kw_only_default=True)
    def cls(
        self,
        _warn_parentheses_missing: Any = None,
        *,
        name: str | None = None,
        **options: Unpack[FunctionOptions],
    ) -> Callable[[type[C]], type[C]]:
        """Register a class whose `@skylift.method()`s run in containers, with `@enter`/`@exit` hooks."""
        if _warn_parentheses_missing is not None:
            raise InvalidError("Use @app.cls() with parentheses.")
        parsed = self._with_defaults(_parse(options, "@app.cls()"))

        def wrapper(user_cls: type[C]) -> type[C]:
            if not inspect.isclass(user_cls):
                raise InvalidError("@app.cls() decorates a class")
            tag = name or user_cls.__qualname__
            registered = Cls(
                self, user_cls, name=tag, options={**parsed, "definition": class_definition(user_cls)}
            )
            self.registered_classes[tag] = registered
            # A Cls: `Model(...)` binds parameters, and its methods are Functions (`@method()`'s
            # type), so that type checkers read `Model(size="large").predict.remote(x)` rightly.
            return cast("type[C]", registered)

        return wrapper

    def local_entrypoint(
        self, _warn_parentheses_missing: Any = None, *, name: str | None = None
    ) -> Callable[[Callable[P, T]], LocalEntrypoint[P, T]]:
        """Register the function `skylift run` calls on the caller's machine."""
        if _warn_parentheses_missing is not None:
            raise InvalidError("Use @app.local_entrypoint() with parentheses.")

        def wrapper(f: Callable[P, T]) -> LocalEntrypoint[P, T]:
            entry = LocalEntrypoint(self, f, name or f.__qualname__)
            self.registered_entrypoints[entry.name] = entry
            return entry

        return wrapper

    # Running ---------------------------------------------------------------------------------

    def get_dashboard_url(self) -> str:
        """The app's page in the dashboard, while it runs or once it is deployed."""
        from ._dashboard import dashboard_url

        if self.app_id is None:
            raise InvalidError(
                f"App {self.name or ''!r} has no id yet: its dashboard URL is known inside `with app.run():` "
                "or after app.deploy()."
            )
        return dashboard_url(self._client, "app", self.app_id)

    @contextlib.contextmanager
    def run(
        self,
        *,
        client: Client | None = None,
        show_logs: bool | None = None,
        detach: bool = False,
        force: bool = False,
    ) -> Iterator[App]:
        """Create the app on the server, define its functions, and stop it on exit.

        With `detach=True` the app keeps running when this process exits or is killed; otherwise the
        server stops it shortly after the process stops answering. Image builds and the containers'
        output are printed with `show_logs=True`, or by default inside `skylift.enable_output()`.

        While a spending cap of the workspace is reached the app does not start
        (ResourceExhaustedError); functions whose `min_containers` alone would cost more than a
        cap allows are refused (InvalidError) unless `force=True` (docs/billing.md).
        """
        from ._client import Client
        from ._logs import LogStreamer
        from ._output import output_enabled

        if show_logs is None:
            show_logs = output_enabled()

        if not is_local():
            raise InvalidError("app.run() cannot be used inside a container")
        client = client or Client.from_env()
        app_name = self.name or _default_app_name()
        self._hydrate_objects(client)  # an unknown volume or secret fails here, before anything is created
        app = client.app_create(app_name, detached=detach)
        owners = self._owners()  # this app, and the apps it included objects of
        for owner in owners:
            owner.app_id, owner._client = app["id"], client
        streamer = LogStreamer(client, app["id"]) if show_logs else None
        heartbeat_stop = threading.Event()
        try:
            if not detach:
                # From the start: building the app's images may take minutes, and the server
                # stops an app whose client has gone quiet.
                threading.Thread(
                    target=self._heartbeat,
                    args=(client.clone(), app["id"], heartbeat_stop),
                    name="skylift-heartbeat",
                    daemon=True,
                ).start()
            for obj, spec in self._specs(client, show_logs):
                created = client.function_create({"app_id": app["id"], **spec, "force": force})
                obj.object_id, obj._web_urls = created["id"], created.get("web_urls") or {}
            if streamer:
                streamer.start()
            yield self
        finally:
            heartbeat_stop.set()
            try:
                if not detach:
                    client.app_stop(app["id"])
            finally:
                if streamer:
                    streamer.stop()
                for obj in self._registered():
                    obj.object_id, obj._web_urls = None, {}
                    if isinstance(obj, Cls):
                        obj._variants.clear()
                for owner in owners:
                    owner._client, owner.app_id = None, None

    def _specs(
        self, client: Client, show_logs: bool
    ) -> Iterator[tuple[Function[..., Any, Any] | Cls, dict[str, Any]]]:
        """Each function and class with what the server needs to define it: its source uploaded,
        its image built (a failed build raises before anything is defined)."""
        from ._mount import function_source

        uploaded: set[str] = set()
        # id(Image) -> (image, spec): each image is built once per run
        built: dict[int, tuple[Image, dict[str, Any]]] = {}
        for obj in self._registered():
            raw = obj.get_raw_f() if isinstance(obj, Function) else obj._user_cls
            source = function_source(raw, serialized=obj._options["serialized"])
            if source.mount is not None and source.mount[0] not in uploaded:
                client.mount_ensure(*source.mount)
                uploaded.add(source.mount[0])
            image_spec = self._built_image_spec(obj, source, client, show_logs, built)
            yield obj, self._function_spec(obj, source, image_spec)

    def deploy(
        self,
        *,
        name: str | None = None,
        environment_name: str | None = None,
        tag: str = "",
        client: Client | None = None,
    ) -> App:
        """Deploy the app: it runs until stopped, and its functions can be looked up by name.

        Each deploy that changes what the app runs makes a new version (v1, v2, …); deploying it
        unchanged does nothing. Returns the app, its functions callable as in `app.run()`.
        """
        from ._client import Client

        if not is_local():
            raise InvalidError("app.deploy() cannot be used inside a container")
        client = client or Client.from_env()
        app_name = name or self.name
        if not app_name:
            raise InvalidError('A deployed app needs a name: App("my-app"), or deploy(name="my-app")')
        self._deploy_to(client, name=app_name, environment_name=environment_name, tag=tag)
        return self

    def _deploy_to(
        self,
        client: Client,
        *,
        name: str,
        environment_name: str | None,
        tag: str = "",
        ephemeral: bool = False,
        app_id: str | None = None,
        force: bool = False,
    ) -> dict[str, Any]:
        """Deploy as `deploy()` does; `skylift serve` deploys into an ephemeral app (`ephemeral`
        first, then that app by `app_id`); `force` deploys even if the app's idle cost alone
        exceeds a cap (`skylift deploy --force`). Returns the server's answer."""
        from ._config import environment_name as configured_environment
        from ._git import git_state
        from ._output import output_enabled

        self._hydrate_objects(client)
        registered = list(self._specs(client, output_enabled()))
        objects = {obj._name: obj for obj, _ in registered}
        commit, dirty = git_state(self._source_file())
        answer = client.app_deploy(
            name=name,
            environment=environment_name or configured_environment(),
            tag=tag,
            functions=[spec for _, spec in registered],
            git_commit=commit,
            git_dirty=dirty,
            ephemeral=ephemeral,
            app_id=app_id,
            force=force,
        )
        self._deployed = answer
        for owner in self._owners():
            owner.app_id, owner._client = answer["app"]["id"], client
        for function in answer["functions"]:
            if function["name"] in objects:
                found = objects[function["name"]]
                found.object_id, found._web_urls = function["id"], function.get("web_urls") or {}
        return answer

    def _source_file(self) -> str | None:
        """The file the app's first function or class is defined in."""
        for obj in self._registered():
            raw = obj.get_raw_f() if isinstance(obj, Function) else obj._user_cls
            with contextlib.suppress(TypeError, OSError):
                return inspect.getsourcefile(raw)
        return None

    def _registered(self) -> list[Function[..., Any, Any] | Cls]:
        return [*self.registered_functions.values(), *self.registered_classes.values()]

    def _owners(self) -> list[App]:
        """This app and the apps whose functions or classes it included: a function reads its
        client from the app it was defined on."""
        owners = [self]
        for obj in self._registered():
            if isinstance(obj._app, App) and all(obj._app is not o for o in owners):
                owners.append(obj._app)
        return owners

    def _hydrate_objects(self, client: Client) -> None:
        """Look up every volume the app's functions and their images mount, and every named
        secret they are given: an unknown one fails here, before anything is created."""
        for obj in self._registered():
            volumes = list(obj._options.get("volumes", {}).values())
            image = obj._options.get("image")
            if image is not None:
                volumes += [v for step in image._steps for _, v in step.volumes]
            for volume in volumes:
                volume.hydrate(client)
            for secret in obj._options.get("secrets", []):
                secret.hydrate(client)

    @staticmethod
    def _heartbeat(client: Client, app_id: str, stop: threading.Event) -> None:
        # A beat the server did not take (its database or Redis briefly away) is sent again a
        # second later, not a whole period later: the server stops an app whose client has
        # been quiet for 30 s, and three periods of one failed request each come near that.
        wait = CLIENT_HEARTBEAT_SECONDS
        while not stop.wait(wait):
            try:
                client.app_heartbeat(app_id)
                wait = CLIENT_HEARTBEAT_SECONDS
            except Exception:  # noqa: BLE001 - beats go on whatever one of them met
                wait = HEARTBEAT_RETRY_SECONDS

    def _built_image_spec(
        self,
        obj: Function[..., Any, Any] | Cls,
        source: Source,
        client: Client,
        show_logs: bool,
        built: dict[int, tuple[Image, dict[str, Any]]],
    ) -> dict[str, Any]:
        """Build the image of a function or class (with the class's @build methods as layers) and
        stream its build log; raises BuildFailed before anything is defined on a failed build."""
        from ._build import image_build

        image: Image = obj._options.get("image") or Image.debian_slim()
        if isinstance(obj, Cls):
            image = image._with_build_hooks(obj._user_cls, source.module, source.qualname)
        if id(image) not in built:  # the entry keeps the image alive, so its id is not reused
            built[id(image)] = (image, image_build(client, image, show_logs=show_logs)[0])
        return built[id(image)][1]

    def _function_spec(
        self, obj: Function[..., Any, Any] | Cls, source: Source, image_spec: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        options = obj._options
        image = options.get("image") or Image.debian_slim()
        return {
            "name": obj._name,
            "module": source.module,
            "qualname": source.qualname,
            "mount_sha256": source.mount_sha256,
            "serialized": source.serialized,
            "image": image_spec if image_spec is not None else image.to_spec(),
            "is_generator": bool(isinstance(obj, Function) and obj.is_generator),
            "client_python": client_python_version(),
            "definition": options["definition"],
            "schedule": options["schedule"]._spec() if options.get("schedule") is not None else None,
            **options_spec(options),
        }


def _merge(into: dict[str, T], added: dict[str, T]) -> None:
    for tag, obj in added.items():
        if into.get(tag, obj) is not obj:
            warnings.warn(f"App.include(): the included app's {tag!r} replaces this app's", stacklevel=3)
        into[tag] = obj


def _parse(options: Mapping[str, Any], where: str) -> dict[str, Any]:
    try:
        return parse_options(**options)
    except TypeError as exc:
        raise InvalidError(f"{where}: {exc}") from None


def _function_definition(f: Callable[..., Any]) -> dict[str, Any]:
    definition: dict[str, Any] = {"kind": "function"}
    if getattr(f, CONCURRENT_ATTR, None):
        definition["concurrency"] = getattr(f, CONCURRENT_ATTR)
    if getattr(f, BATCHED_ATTR, None):
        definition["batching"] = getattr(f, BATCHED_ATTR)
    web = web_config(f)
    if web is not None:
        check_web_function(f, web, f.__qualname__)
        definition["web"] = web
    cluster = getattr(f, CLUSTERED_ATTR, None)
    if cluster:
        if web is not None:
            raise InvalidError(f"{f.__qualname__}: a web endpoint cannot be @clustered")
        definition["cluster"] = dict(cluster)
    return definition


def _check_no_arguments(f: Callable[..., Any], name: str) -> None:
    """A scheduled function is called with no arguments: it must take none that have no default."""
    try:
        inspect.signature(f).bind()
    except TypeError:
        raise InvalidError(
            f"{name} has a schedule, so it runs with no arguments: give its parameters defaults"
        ) from None
    except ValueError:  # no signature to read (a builtin): let it run and say so itself
        pass


def _default_app_name() -> str:
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return os.path.splitext(os.path.basename(path))[0] if path else "app"
