"""The parts of Modal's API that Skylift does not have yet: each refuses when it is used, with an
InvalidError that names it, says it is not supported yet, and which part of the platform brings it.

- Top-level placeholders: classes (`Dict`, `Sandbox`, ...) that refuse to be made and whose class
  attributes refuse (`Dict.from_name`); decorators and functions (`forward`, `interact`)
  that refuse when called (so `forward()` fails where it is written, before anything
  is created on the server); modules (`billing`) whose attributes refuse.
- `MEMBERS`: methods and properties Modal's classes have and Skylift's lack; `install_members`
  puts them on Skylift's classes (a method the class defines itself always wins).
- `OPTIONS`: keyword options of `@app.function`, `@app.cls` and `with_options` that Skylift does
  not take: refused unless given Modal's own default (which asks for nothing).
- `KEYWORDS`: the same for the keyword arguments of other methods (`Image.pip_install(env=...)`);
  `install_members` makes the methods that lack them refuse them.
- `COMMANDS`: CLI commands, which `skylift COMMAND` refuses in the same words.
- `missing_name`: the AttributeError for a name `skylift` lacks that Modal lacks too (`Stub`,
  which Modal 1.0 removed, points to App as Modal's does).

docs/modal-compatibility.md shows Modal's whole public surface with Skylift's status; its "not
yet" rows are the entries here, and tests/unit/test_modal_compatibility.py keeps the two the same.

A leaf module: it imports only the exceptions, so that any module of the SDK may import it.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterable, Mapping
from types import ModuleType
from typing import Any, NoReturn

from ._exceptions import InvalidError

__all__ = [
    "COMMANDS",
    "KEYWORDS",
    "MEMBERS",
    "OPTIONS",
    "CloudBucketMount",
    "Environment",
    "Feature",
    "FilePatternMatcher",
    "NetworkFileSystem",
    "Option",
    "Planned",
    "Probe",
    "Proxy",
    "SandboxSnapshot",
    "SchedulerPlacement",
    "Server",
    "Unsupported",
    "Workspace",
    "billing",
    "check_modal_options",
    "feature_of",
    "forward",
    "install_members",
    "interact",
    "missing_name",
    "partial_module",
    "simulate_preemption",
]

FEATURE_ATTR = "__skylift_unsupported__"
CHECKED_ATTR = "__skylift_checks_modal_keywords__"


# Plain classes, not dataclasses: this module is imported with the package, in every container.


class Planned:
    """The part of the platform that will bring a feature: an issue of the project."""

    __slots__ = ("area", "issue")

    def __init__(self, issue: int, area: str) -> None:
        self.issue, self.area = issue, area


DEPLOYMENTS = Planned(12, "deployed apps, schedules and lookups by name")
SECRETS = Planned(13, "secrets, Dict and Queue")
DASHBOARD = Planned(15, "the dashboard's calls, logs, containers and teams")
BILLING = Planned(16, "usage and billing")
GPUS = Planned(17, "GPUs, placement across hosts and clusters")
SANDBOXES = Planned(18, "sandboxes")


class Feature:
    """Something of Modal's that Skylift lacks, named as a program writes it ("Dict", "App.deploy()")."""

    __slots__ = ("hint", "name", "planned")

    def __init__(self, name: str, planned: Planned | None = None, hint: str = "") -> None:
        self.name, self.planned, self.hint = name, planned, hint

    def named(self, name: str) -> Feature:
        """The same feature under another name (a member of it, or a command as it was called)."""
        return Feature(name, self.planned, self.hint)

    def message(self) -> str:
        text = f"{self.name} is not supported yet by Skylift"
        if self.planned is not None:
            text += f"; it comes with {self.planned.area} (issue {self.planned.issue})"
        return f"{text}. {self.hint}" if self.hint else f"{text}."

    def error(self) -> InvalidError:
        return InvalidError(self.message())


def feature_of(obj: object) -> Feature | None:
    """The feature a placeholder stands for (None for anything real)."""
    found = getattr(obj, FEATURE_ATTR, None)
    return found if isinstance(found, Feature) else None


# Top-level placeholders ------------------------------------------------------------------------


class _UnsupportedMeta(type):
    """Placeholder classes refuse to be instantiated, and refuse their (public) class attributes."""

    def __call__(cls, *args: Any, **kwargs: Any) -> NoReturn:
        raise _feature(cls).error()

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("_"):  # what Python and libraries probe for stays an AttributeError
            raise AttributeError(name)
        raise _feature(cls).named(f"{cls.__name__}.{name}").error()


def _feature(cls: type) -> Feature:
    feature = vars(cls).get(FEATURE_ATTR)
    if not isinstance(feature, Feature):
        raise TypeError(f"{cls.__name__} is not a placeholder of an unsupported feature")
    return feature


class Unsupported(metaclass=_UnsupportedMeta):
    """Base of the placeholder classes; `isinstance(x, skylift.Dict)` works (and is False)."""

    def __init_subclass__(cls, *, planned: Planned | None = None, hint: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        setattr(cls, FEATURE_ATTR, Feature(cls.__name__, planned, hint))


class CloudBucketMount(Unsupported, hint="Copy the bucket's files into a Volume (`skylift volume put`)."):
    """Modal's S3/GCS/R2 bucket mount."""


class Environment(Unsupported, planned=DEPLOYMENTS):
    """Modal's environments (dev, staging, main)."""


class FilePatternMatcher(
    Unsupported,
    hint="Pass ignore= a list of glob patterns, or a function of the path that says True to skip it.",
):
    """Modal's dockerignore-style matcher."""


class NetworkFileSystem(Unsupported, hint="Modal deprecated it: use skylift.Volume."):
    """Modal's network file system."""


class Probe(Unsupported, planned=SANDBOXES):
    """Modal's sandbox readiness probe."""


class Proxy(Unsupported):
    """Modal's static egress IP proxy."""


class SandboxSnapshot(Unsupported, planned=SANDBOXES):
    """Modal's sandbox memory snapshot."""


class SchedulerPlacement(Unsupported, planned=GPUS):
    """Modal's placement by region, zone and instance type."""


class Server(Unsupported):
    """Modal's `@app.server` HTTP services."""


class Workspace(Unsupported, planned=DASHBOARD):
    """Modal's workspace object (members, billing, settings)."""


def _refusing(name: str, planned: Planned | None = None, hint: str = "") -> Callable[..., NoReturn]:
    """A function that refuses when called: a decorator refuses where it is written."""
    feature = Feature(name, planned, hint)

    def refuse(*args: Any, **kwargs: Any) -> NoReturn:
        raise feature.error()

    refuse.__name__ = refuse.__qualname__ = name
    refuse.__doc__ = f"Modal's `{name}`: {feature.message()}"
    setattr(refuse, FEATURE_ATTR, feature)
    return refuse


forward = _refusing("forward", SANDBOXES)
interact = _refusing("interact")
simulate_preemption = _refusing("simulate_preemption")  # of modal.exception


class _PartialModule(ModuleType):
    """A module of Modal's that Skylift has in part (or not at all): the rest refuses."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        feature: Feature = vars(self)[FEATURE_ATTR]
        raise feature.named(f"{feature.name}.{name}").error()


def partial_module(name: str, planned: Planned | None = None, **present: object) -> ModuleType:
    """The module `skylift.<name>` with the names it has; any other public name refuses.

    It is registered in sys.modules, so `import skylift.<name>` and `from skylift.<name> import X` work.
    """
    module = _PartialModule(f"skylift.{name}", f"Modal's `modal.{name}`, as far as Skylift has it.")
    setattr(module, FEATURE_ATTR, Feature(name, planned))
    for key, value in present.items():
        setattr(module, key, value)
    module.__all__ = sorted(present)  # type: ignore[attr-defined]  # a module's own attribute
    sys.modules[module.__name__] = module
    return module


billing = partial_module("billing", BILLING)


# Members of Skylift's own classes -----------------------------------------------------------------


def _member(owner: str, name: str, planned: Planned | None = None, hint: str = "") -> tuple[str, Feature]:
    """`name` ends in "()" for a method (it refuses when called), else it is a property (refuses when read)."""
    return name.removesuffix("()"), Feature(f"{owner}.{name}", planned, hint)


MEMBERS: dict[str, dict[str, Feature]] = {
    "App": dict(
        [
            _member("App", "lookup()", DEPLOYMENTS),
            _member("App", "server()"),
            _member("App", "set_tags()"),
            _member("App", "get_tags()"),
            _member("App", "logs", DEPLOYMENTS),
            _member("App", "description"),
        ]
    ),
    "Function": dict(
        [
            _member("Function", "get_current_stats()", DASHBOARD),
            _member("Function", "logs", DASHBOARD),
        ]
    ),
    "FunctionCall": dict(
        [
            _member("FunctionCall", "iter()", hint="Use iter_outputs()."),
            _member("FunctionCall", "num_inputs()"),
            _member("FunctionCall", "logs", DASHBOARD),
        ]
    ),
    "Cls": {},
    "Image": dict(
        [
            _member(
                "Image",
                "from_aws_ecr()",
                hint="Use Image.from_registry(tag, secret=...) with REGISTRY_USERNAME and REGISTRY_PASSWORD.",
            ),
            _member(
                "Image",
                "from_gcp_artifact_registry()",
                hint="Use Image.from_registry(tag, secret=...) with REGISTRY_USERNAME and REGISTRY_PASSWORD.",
            ),
            _member("Image", "from_scratch()"),
            _member("Image", "from_name()"),
            _member("Image", "pip_install_from_pyproject()", hint="Use pip_install() with its dependencies."),
            _member("Image", "pip_install_private_repos()"),
            _member("Image", "poetry_install_from_file()"),
            _member("Image", "uv_sync()", hint="Use uv_pip_install() or pip_install_from_requirements()."),
            _member("Image", "cmd()"),
            _member("Image", "shell()"),
            _member("Image", "pipe()", hint="Call the function with the image: f(image, ...)."),
            _member("Image", "build()", DEPLOYMENTS, "Images are built when the app runs."),
            _member("Image", "publish()"),
            _member("Image", "logs", hint="`skylift run` streams build logs as they are made."),
        ]
    ),
    "Volume": dict(
        [
            _member(
                "Volume",
                "objects",
                hint="Use Volume.from_name(name, create_if_missing=True) and Volume.delete(name).",
            ),
            _member("Volume", "rename()"),
            _member("Volume", "read_only()"),
            _member("Volume", "with_mount_options()"),
            _member("Volume", "copy_files()"),
            _member("Volume", "info()"),
        ]
    ),
    "Client": dict(
        [
            _member(
                "Client",
                "from_credentials()",
                hint="Save the token with `skylift token set`, or set SKYLIFT_TOKEN_ID and SKYLIFT_TOKEN_SECRET.",
            )
        ]
    ),
}


class _Member:
    """A placeholder on a class: a method refuses when called, a property when read."""

    def __init__(self, feature: Feature, *, method: bool) -> None:
        self.feature = feature
        self.method = method

    def __get__(self, obj: object, objtype: type | None = None) -> Callable[..., NoReturn]:
        if not self.method:
            raise self.feature.error()
        feature = self.feature

        def refuse(*args: Any, **kwargs: Any) -> NoReturn:
            raise feature.error()

        setattr(refuse, FEATURE_ATTR, feature)
        return refuse


def install_members(classes: Mapping[str, type]) -> None:
    """Put MEMBERS' placeholders on these classes (by name), where a class has no such member itself,
    and make their methods refuse KEYWORDS' options by name (those the method does not take itself)."""
    for owner, cls in classes.items():
        for name, feature in MEMBERS.get(owner, {}).items():
            if not any(name in vars(klass) for klass in cls.__mro__):
                setattr(cls, name, _Member(feature, method=feature.name.endswith("()")))
        _install_keywords(cls, KEYWORDS.get(owner, {}))


# Options of @app.function, @app.cls and with_options --------------------------------------------


class Option:
    """A keyword option of Modal's that Skylift's decorators do not take (as such)."""

    __slots__ = ("accepted", "defaults", "feature", "removed")

    def __init__(
        self,
        feature: Feature,
        defaults: tuple[object, ...] = (None,),  # values that ask for nothing: accepted, and dropped
        accepted: bool = False,  # any value is accepted and dropped (the difference is documented)
        removed: str = "",  # Modal itself refuses it since 1.0: what to write instead
    ) -> None:
        self.feature, self.defaults, self.accepted, self.removed = feature, defaults, accepted, removed

    def check(self, value: object) -> None:
        if self.removed:
            raise InvalidError(f"{self.feature.name} was removed in Modal 1.0: {self.removed}")
        if self.accepted or any(type(value) is type(d) and value == d for d in self.defaults):
            return
        raise self.feature.error()


def _option(
    name: str,
    planned: Planned | None = None,
    hint: str = "",
    *,
    defaults: tuple[object, ...] = (None,),
    accepted: bool = False,
    removed: str = "",
) -> tuple[str, Option]:
    return name, Option(Feature(f"The option {name}=", planned, hint), defaults, accepted, removed)


OPTIONS: dict[str, Option] = dict(
    [
        _option(
            "network_file_systems",
            hint="Modal deprecated network file systems: use volumes= with a skylift.Volume.",
            defaults=(None, {}),
        ),
        _option("ephemeral_disk"),
        _option("proxy"),
        _option("startup_timeout", hint="A container's start is bounded by its timeout= for now."),
        _option("is_generator", hint="Skylift tells a generator function by its definition."),
        _option(
            "cloud",
            hint="Skylift runs containers on its own hosts.",
            defaults=(None, "auto"),
        ),
        _option("region", GPUS),
        _option("routing_region"),
        _option("nonpreemptible", accepted=True),
        _option("enable_memory_snapshot", defaults=(False,)),
        _option("experimental_options", defaults=(None, {})),
        _option("_experimental_restrict_output", defaults=(False,)),
        _option("keep_warm", removed="use min_containers=."),
        _option("concurrency_limit", removed="use max_containers=."),
        _option("container_idle_timeout", removed="use scaledown_window=."),
        _option(
            "allow_concurrent_inputs", removed="use @skylift.concurrent(max_inputs=...) on the function."
        ),
        _option("mounts", removed="use Image.add_local_dir() or Image.add_local_python_source()."),
    ]
)


# Modal's keyword arguments of other methods that Skylift's lack, by class and method ("__init__"
# for the constructor); `install_members` makes those methods refuse them by name.
_ENV: tuple[str, Planned | None, str, tuple[object, ...]] = (
    "env",
    None,
    "Set variables in the image with Image.env({...}).",
    (None, {}),
)


def _keywords(
    owner: str, method: str, *keywords: tuple[str, Planned | None, str, tuple[object, ...]]
) -> tuple[str, dict[str, Option]]:
    where = f"{owner}()" if method == "__init__" else f"{owner}.{method}()"
    return method, {
        name: Option(Feature(f"The option {name}= of {where}", planned, hint), defaults)
        for name, planned, hint, defaults in keywords
    }


KEYWORDS: dict[str, dict[str, dict[str, Option]]] = {
    "App": dict(
        [
            _keywords("App", "__init__", ("tags", None, "", (None, {}))),
            _keywords(
                "App",
                "run",
                ("name", None, "Name the app with App(name).", (None,)),
                ("interactive", None, "", (False,)),
                ("environment_name", DEPLOYMENTS, "", (None,)),
            ),
        ]
    ),
    "Image": dict(
        [
            _keywords(
                "Image",
                "from_dockerfile",
                _ENV,
                ("secrets", SECRETS, "", (None, [], ())),
                ("gpu", GPUS, "", (None,)),
                ("build_args", None, "", (None, {})),
                ("ignore", None, "The build context is what the Dockerfile's COPY lines name.", (None,)),
            ),
            _keywords("Image", "pip_install", _ENV),
            _keywords(
                "Image",
                "uv_pip_install",
                _ENV,
                ("requirements", None, "Use pip_install_from_requirements().", (None, [])),
                ("uv_version", None, "", (None,)),
            ),
            _keywords("Image", "pip_install_from_requirements", _ENV),
            _keywords("Image", "apt_install", _ENV),
            _keywords("Image", "micromamba_install", _ENV, ("spec_file", None, "", (None,))),
            _keywords(
                "Image", "run_commands", _ENV, ("volumes", None, "Use run_function(volumes=...).", (None, {}))
            ),
            _keywords(
                "Image",
                "dockerfile_commands",
                _ENV,
                ("context_files", None, "Use context_dir=.", (None, {})),
                ("ignore", None, "", (None,)),
                ("build_args", None, "", (None, {})),
            ),
            _keywords(
                "Image",
                "run_function",
                _ENV,
                ("network_file_systems", None, "", (None, {})),
                ("cpu", None, "", (None,)),
                ("memory", None, "", (None,)),
                ("cloud", None, "", (None, "auto")),
                ("region", GPUS, "", (None,)),
                ("include_source", None, "", (None, True)),
            ),
        ]
    ),
    "Volume": dict(
        [
            _keywords(
                "Volume",
                "from_name",
                ("create_options", None, "", (None, {})),
                ("client", None, "", (None,)),
            ),
            _keywords(
                "Volume",
                "ephemeral",
                ("environment_name", DEPLOYMENTS, "", (None,)),
                ("version", None, "", (None, 1, 2)),
            ),
            _keywords("Volume", "read_file_into_fileobj", ("progress_cb", None, "", (None,))),
        ]
    ),
}


def _checking(func: Callable[..., Any], lacking: dict[str, Option]) -> Callable[..., Any]:
    """`func`, refusing by name the keyword arguments of Modal's that it lacks."""

    @functools.wraps(func)
    def checked(*args: Any, **kwargs: Any) -> Any:
        for name in kwargs.keys() & lacking.keys():
            lacking[name].check(kwargs.pop(name))
        return func(*args, **kwargs)

    setattr(checked, CHECKED_ATTR, True)
    return checked


def _install_keywords(cls: type, methods: dict[str, dict[str, Option]]) -> None:
    for method, options in methods.items():
        raw = vars(cls)[method]
        func = raw.__func__ if isinstance(raw, staticmethod) else raw
        taken = inspect.signature(func).parameters
        lacking = {name: option for name, option in options.items() if name not in taken}
        if lacking and not getattr(func, CHECKED_ATTR, False):
            checked = _checking(func, lacking)
            setattr(cls, method, staticmethod(checked) if isinstance(raw, staticmethod) else checked)


def check_modal_options(options: Mapping[str, Any], known: Iterable[str]) -> None:
    """Check options the decorators do not take: Modal's are refused unless they ask for nothing
    (or are accepted as documented); any other name is a TypeError, as for any function, that
    lists the options Skylift takes (`known`)."""
    for name, value in options.items():
        option = OPTIONS.get(name)
        if option is None:
            raise TypeError(f"unexpected keyword argument {name!r}; the options are: {', '.join(known)}")
        option.check(value)


# CLI commands -----------------------------------------------------------------------------------


def _command(path: str, planned: Planned | None = None, hint: str = "") -> tuple[str, Feature]:
    return path, Feature(path, planned, hint)


# Modal's commands and groups Skylift lacks, by their path below `skylift` ("deploy", "token info").
COMMANDS: dict[str, Feature] = dict(
    [
        _command("curl"),
        _command("endpoint"),
        _command("image"),
        _command("nfs", hint="Use `skylift volume`."),
        _command("profile", hint="Choose a profile with `--profile` or SKYLIFT_PROFILE."),
        _command("config"),
        _command("workspace members", DASHBOARD),
        _command("workspace settings", DASHBOARD),
        _command("workspace proxy-tokens allow", hint="Create a new token: a revoked one stays revoked."),
        _command("setup", hint="Use `skylift token new`."),
        _command("bootstrap"),
        _command("skills"),
        _command("changelog"),
        _command("launch"),
        _command("cluster", GPUS),
        _command("token info"),
        _command("volume cp"),
        _command("volume rename"),
    ]
)


# Names Modal does not have either ------------------------------------------------------------------


def missing_name(name: str) -> AttributeError:
    """The error for `skylift.<name>` that neither Skylift nor Modal has: Modal 1.0 removed `Stub`,
    and, as Modal's, it points to App."""
    if name == "Stub":
        return AttributeError(
            "modal.Stub was renamed modal.App (Modal 1.0 removed the old name): use skylift.App, "
            "or modal.App with `import skylift as modal`."
        )
    return AttributeError(f"module 'skylift' has no attribute {name!r}")
