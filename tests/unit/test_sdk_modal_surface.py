"""The SDK's calling surface as Modal programs use it: names, errors and options, checked in-process.

What needs containers (map keyword arguments, function variants, enable_output...) is in
tests/integration/test_modal_calls.py.
"""

from __future__ import annotations

import pytest

import skylift as modal
from skylift import exception
from skylift._build import BuildFailed


def _sdk_exceptions() -> list[type[BaseException]]:
    found = [getattr(exception, name) for name in exception.__all__]
    return [e for e in found if isinstance(e, type) and issubclass(e, BaseException)] + [BuildFailed]


def test_it_exports_error_at_the_top_level_as_modal_does():
    assert modal.Error is exception.Error
    assert "Error" in modal.__all__


@pytest.mark.parametrize("error", _sdk_exceptions(), ids=lambda e: e.__name__)
def test_it_derives_every_sdk_error_from_error(error):
    if error is exception.InputCancellation:
        # As Modal's: a BaseException, so that `except Exception:` in user code lets it through.
        assert not issubclass(error, Exception)
    else:
        assert issubclass(error, modal.Error)


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
