"""The SDK's calling surface as Modal programs use it: names, errors and options, checked in-process.

What needs containers (map keyword arguments, function variants, enable_output...) is in
tests/integration/test_modal_calls.py.
"""

from __future__ import annotations

import pytest

import skylift as modal
from skylift import exception
from skylift._build import BuildFailed
from skylift._unsupported import feature_of


def _sdk_exceptions() -> list[type[BaseException]]:
    found = [getattr(exception, name) for name in exception.__all__]
    return [e for e in found if isinstance(e, type) and issubclass(e, BaseException)] + [BuildFailed]


# As Modal's: outside Error are InputCancellation (a BaseException, so that `except Exception:`
# in user code lets it through), ModuleNotMountable, and the warning categories.
OUTSIDE_ERROR = {
    "InputCancellation",
    "ModuleNotMountable",
    "DeprecationError",
    "ServerWarning",
    "AsyncUsageWarning",
}


# Skylift's own names; Modal's others that Skylift lacks are exported too, as placeholders.
PUBLIC_NAMES = [
    "App",
    "Client",
    "Cls",
    "Cron",
    "Dict",
    "Error",
    "Function",
    "FunctionCall",
    "Image",
    "Period",
    "Queue",
    "Retries",
    "Sandbox",
    "Secret",
    "Tunnel",
    "Volume",
    "asgi_app",
    "batched",
    "build",
    "concurrent",
    "current_function_call_id",
    "current_input_id",
    "enable_output",
    "enter",
    "exception",
    "exit",
    "fastapi_endpoint",
    "gather",
    "is_local",
    "method",
    "parameter",
    "types",
    "web_endpoint",
    "web_server",
    "wsgi_app",
]


def test_it_exports_its_public_names_sorted():
    placeholders = [name for name in modal.__all__ if name not in PUBLIC_NAMES]
    assert PUBLIC_NAMES == sorted(PUBLIC_NAMES)
    assert modal.__all__ == sorted(PUBLIC_NAMES + placeholders)
    # `types` is Modal's module as far as Skylift has it: its other names refuse
    assert all(feature_of(getattr(modal, name)) is None for name in PUBLIC_NAMES if name != "types")
    assert all(feature_of(getattr(modal, name)) is not None for name in placeholders)


def test_it_exports_error_at_the_top_level_as_modal_does():
    assert modal.Error is exception.Error
    assert "Error" in modal.__all__


@pytest.mark.parametrize("error", _sdk_exceptions(), ids=lambda e: e.__name__)
def test_it_derives_every_sdk_error_from_error(error):
    if error.__name__ in OUTSIDE_ERROR:
        assert not issubclass(error, modal.Error)
    else:
        assert issubclass(error, modal.Error)
    assert issubclass(exception.InputCancellation, BaseException)
    assert not issubclass(exception.InputCancellation, Exception)


def test_it_groups_the_timeouts_under_one_base_as_modal_does():
    assert issubclass(exception.FunctionTimeoutError, exception.TimeoutError)
    assert issubclass(exception.OutputExpiredError, exception.TimeoutError)
    assert issubclass(exception.TimeoutError, modal.Error)


def test_it_catches_a_bad_option_as_modal_error():
    with pytest.raises(modal.Error, match="max_retries"):
        modal.Retries(max_retries=-1)


def _app_with_function():
    app = modal.App("unit-surface")

    @app.function()
    def f(x: int, *, k: int = 0) -> int:
        return x + k

    return app, f


@pytest.mark.parametrize("kwargs", [[("k", 1)], {1: 2}, "k=1"])
def test_it_refuses_map_keyword_arguments_that_are_not_a_dict_before_anything_is_sent(kwargs):
    _, f = _app_with_function()
    with pytest.raises(exception.InvalidError, match="kwargs must be a dict"):
        f.map([1], kwargs=kwargs)
    with pytest.raises(exception.InvalidError, match="kwargs must be a dict"):
        f.starmap([(1,)], kwargs=kwargs)


def test_it_points_from_stub_to_app():
    with pytest.raises(AttributeError, match=r"renamed modal\.App"):
        modal.Stub  # noqa: B018
    assert not hasattr(modal, "Stub")
    assert not hasattr(modal, "NoSuchThing")


def test_it_imports_modals_names_skylift_lacks_and_refuses_them_when_used():
    # given a program that imports one: that alone works
    namespace: dict = {}
    exec("from skylift import Proxy", namespace)
    assert namespace["Proxy"] is modal.Proxy
    # when it is used, then the error names it and says it is not supported yet
    with pytest.raises(exception.InvalidError, match="Proxy.from_name is not supported yet by Skylift"):
        namespace["Proxy"].from_name("x")


def test_a_web_endpoint_is_described_where_it_is_written_and_refuses_remote_calls():
    app = modal.App("unit-web")

    @app.function()
    @modal.fastapi_endpoint(method="post", label="hook-here", requires_proxy_auth=True)
    def hook(body: dict) -> dict:
        return body

    assert hook._options["definition"]["web"] == {
        "kind": "fastapi",
        "label": "hook-here",
        "requires_proxy_auth": True,
        "method": "POST",
        "docs": False,
    }
    assert hook.get_web_url() is None  # until its app runs or is deployed
    assert app.registered_web_endpoints == [hook._name]
    with pytest.raises(exception.InvalidError, match="hook is a web endpoint: call it over HTTP"):
        hook.remote({})
    assert hook.local({"a": 1}) == {"a": 1}


@pytest.mark.parametrize(
    ("decorate", "message"),
    [
        (lambda: modal.fastapi_endpoint(method="FETCH"), "not an HTTP method"),
        (lambda: modal.asgi_app(label="Not_A_Label"), "not a valid URL label"),
        (lambda: modal.wsgi_app(custom_domains=["https://x.example"]), "is not a host name"),
        (lambda: modal.asgi_app(custom_domains="x.example"), "pass a list"),
        (lambda: modal.web_server(70000), "port is a number from 1 to 65535"),
        (lambda: modal.web_endpoint(), "renamed @fastapi_endpoint"),
    ],
)
def test_web_decorators_refuse_bad_options_where_written(decorate, message):
    with pytest.raises((exception.InvalidError, exception.DeprecationError), match=message):
        decorate()


def test_an_app_or_server_factory_takes_no_arguments_and_no_endpoint_is_a_generator():
    app = modal.App("unit-web-2")
    with pytest.raises(exception.InvalidError, match="takes arguments"):

        @app.function()
        @modal.asgi_app()
        def factory(port: int) -> None:
            return None

    with pytest.raises(exception.InvalidError, match="is a generator"):

        @app.function()
        @modal.fastapi_endpoint()
        def stream() -> object:
            yield 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"region": "us-east"}, r"The option region= is not supported yet by Skylift"),
        ({"enable_memory_snapshot": True}, "The option enable_memory_snapshot= is not supported yet"),
        ({"ephemeral_disk": 1024}, "The option ephemeral_disk= is not supported yet"),
        ({"keep_warm": 1}, "The option keep_warm= was removed in Modal 1.0: use min_containers="),
        ({"concurrency_limit": 3}, "use max_containers="),
        ({"allow_concurrent_inputs": 3}, r"use @skylift.concurrent\(max_inputs=...\)"),
        ({"memroy": 256}, "unexpected keyword argument 'memroy'; the options are: image, cpu, memory"),
    ],
)
def test_it_refuses_a_modal_option_skylift_lacks_naming_it(options, message):
    app = modal.App("unit-options")
    with pytest.raises(exception.InvalidError, match=message):
        app.function(**options)
    with pytest.raises(exception.InvalidError, match=message):
        app.cls(**options)
    assert app.registered_functions == {} and app.registered_classes == {}


def test_it_accepts_modal_options_given_their_modal_defaults():
    app = modal.App("unit-defaults")

    @app.function(
        region=None,
        cloud=None,
        enable_memory_snapshot=False,
        env={},
        include_source=True,
        nonpreemptible=False,
        schedule=None,
        network_file_systems={},
    )
    def f() -> int:
        return 1

    assert list(app.registered_functions.values()) == [f]


def test_it_takes_include_source_and_changes_nothing_for_it():
    # Skylift always sends a function's module with it: include_source=False runs the same.
    app = modal.App("unit-include-source", include_source=False)

    @app.function(include_source=False)
    def f() -> int:
        return 1

    assert f._options == app.function()(lambda: 1)._options
    with pytest.raises(exception.InvalidError, match="include_source must be True, False or None"):
        app.function(include_source="no")
    with pytest.raises(exception.InvalidError, match="with_options\\(\\) cannot change include_source"):
        f.with_options(include_source=True)


def test_it_makes_single_use_containers_serve_one_input_each():
    app = modal.App("unit-single-use")

    @app.function(single_use_containers=True)
    def f() -> int:
        return 1

    @app.cls(single_use_containers=True)
    class C:
        @modal.method()
        def m(self) -> int:
            return 1

    assert f._options["max_inputs"] == 1
    assert C._options["max_inputs"] == 1
    with pytest.raises(exception.InvalidError, match="means max_inputs=1; it cannot go with max_inputs=5"):
        app.function(single_use_containers=True, max_inputs=5)
    with pytest.raises(exception.InvalidError, match="must be True or False"):
        app.function(single_use_containers="yes")


def _variant_app():
    app = modal.App("unit-variants")

    @app.function(timeout=60)
    def f(x: int) -> int:
        return x

    @app.function()
    def gen(n: int):
        yield from range(n)

    @app.cls()
    class Two:
        @modal.method()
        def a(self) -> int:
            return 1

        @modal.method()
        def b(self) -> int:
            return 2

    @app.cls()
    class Batched:
        @modal.batched(max_batch_size=4, wait_ms=10)
        @modal.method()
        def a(self, xs: list[int]) -> list[int]:
            return xs

    return f, gen, Two, Batched


def test_it_stacks_with_options_and_sends_only_what_changed():
    f, *_ = _variant_app()
    # when
    variant = f.with_options(cpu=2, memory=(256, 512)).with_options(timeout=30, single_use_containers=True)
    # then
    assert variant._variant.overrides == {"cpu": 2.0, "memory": [256, 512], "timeout": 30, "max_inputs": 1}
    assert variant._root() is f and variant.get_raw_f() is f.get_raw_f()
    assert f._variant.overrides == {}


def test_it_changes_the_definition_for_another_concurrency_or_batching():
    f, _, Two, Batched = _variant_app()
    concurrent = Two.with_options(timeout=5).with_concurrency(max_inputs=8, target_inputs=2)
    assert concurrent._variant.overrides["timeout"] == 5
    assert concurrent._variant.overrides["definition"]["concurrency"] == {"max_inputs": 8, "target_inputs": 2}
    batched = Batched.with_batching(max_batch_size=16, wait_ms=50)
    methods = batched._variant.overrides["definition"]["methods"]
    assert methods["a"]["batching"] == {"max_batch_size": 16, "wait_ms": 50}
    assert Batched._options["definition"]["methods"]["a"]["batching"]["max_batch_size"] == 4
    assert f.with_batching(max_batch_size=2, wait_ms=0)._variant.overrides["definition"]["batching"] == {
        "max_batch_size": 2,
        "wait_ms": 0,
    }


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda f, g, T, B: f.with_options(image=modal.Image.debian_slim()), "cannot change image"),
        (lambda f, g, T, B: f.with_options(block_network=True), "cannot change block_network"),
        (lambda f, g, T, B: f.with_options(timeout=0), "timeout"),
        (lambda f, g, T, B: f.with_options(env={"A": 1}), "secret values must be strings; A is int"),
        (lambda f, g, T, B: f.with_options(region="eu"), "The option region= is not supported yet"),
        (lambda f, g, T, B: f.with_options(secrets=[object()]), "secrets must be a list of skylift.Secret"),
        (lambda f, g, T, B: f.with_concurrency(max_inputs=0), "max_inputs must be"),
        (lambda f, g, T, B: f.with_concurrency(max_inputs=2, target_inputs=3), "cannot exceed"),
        (lambda f, g, T, B: f.with_batching(max_batch_size=2, wait_ms=-1), "wait_ms must be"),
        (lambda f, g, T, B: g.with_batching(max_batch_size=2, wait_ms=1), "generators cannot be batched"),
        (
            lambda f, g, T, B: T.with_batching(max_batch_size=2, wait_ms=1),
            "has 2 methods and none is @batched",
        ),
        (lambda f, g, T, B: B.with_concurrency(max_inputs=2), "cannot be combined with @batched"),
        (
            lambda f, g, T, B: f.with_concurrency(max_inputs=2).with_batching(max_batch_size=2, wait_ms=1),
            "cannot be combined with @concurrent",
        ),
        (lambda f, g, T, B: T().a.with_options(timeout=5), "is a method: call with_options()"),
    ],
)
def test_it_refuses_a_bad_variant_when_it_is_asked_for(make, message):
    with pytest.raises(exception.InvalidError, match=message):
        make(*_variant_app())


def test_it_turns_output_on_for_the_blocks_of_enable_output_only():
    from skylift._output import output_enabled, progress_shown

    assert not output_enabled() and progress_shown()
    with modal.enable_output():
        assert output_enabled() and progress_shown()
        with modal.enable_output(show_progress=False):
            assert output_enabled() and not progress_shown()
        assert progress_shown()
    assert not output_enabled()
    with pytest.raises(ValueError, match="inside"), modal.enable_output():
        raise ValueError("inside")
    assert not output_enabled()
