"""`.map()` and `.spawn()` against real containers."""

from __future__ import annotations

import pytest

import skylift
from skylift import FunctionCall
from tests.integration import basic_app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def running(platform):
    with basic_app.app.run(client=platform.client("alice")):
        yield platform


def test_it_maps_in_input_order(running):
    assert list(basic_app.inc.map(range(500))) == list(range(1, 501))


def test_it_maps_across_several_iterables(running):
    assert list(basic_app.add.map([1, 2, 3], [10, 20, 30])) == [11, 22, 33]


def test_it_maps_unordered_when_asked(running):
    assert sorted(basic_app.inc.map(range(50), order_outputs=False)) == list(range(1, 51))


def test_it_returns_exceptions_as_values_wrapped_as_modal_wraps_them(running):
    results = list(basic_app.inc.map([1, -1, 2], return_exceptions=True))
    assert results[0] == 2
    assert isinstance(results[1], skylift.exception.UserCodeException)
    assert isinstance(results[1].exc, ValueError)
    assert str(results[1]) == "ValueError: negative one"
    assert results[2] == 3


def test_it_returns_the_exceptions_themselves_without_wrapping(running):
    results = list(
        basic_app.inc.starmap([(1,), (-1,)], return_exceptions=True, wrap_returned_exceptions=False)
    )
    assert results[0] == 2
    assert type(results[1]) is ValueError
    assert "negative one" in str(results[1])


def test_it_raises_the_first_exception_of_a_map_by_default(running):
    with pytest.raises(ValueError, match="negative one"):
        list(basic_app.inc.map([1, -1, 2]))


def test_it_spawns_and_gets_the_result_later_by_id(running):
    call = basic_app.inc.spawn(41)
    assert call.object_id.startswith("fc-")
    again = FunctionCall.from_id(call.object_id, client=running.client("alice"))
    assert again.get(timeout=60) == 42
    assert call.get() == 42


def test_it_hides_another_workspace_s_call(running):
    from skylift.exception import NotFoundError

    call = basic_app.inc.spawn(1)
    with pytest.raises(NotFoundError):
        FunctionCall.from_id(call.object_id, client=running.client("charlie")).get(timeout=5)
