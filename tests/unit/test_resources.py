"""B8 and B10 in the SDK: `skylift.contract.resources` validates cpu, memory, timeout and gpu.

The same functions run in the client, in the control plane and in containers, so what they
accept is what the platform accepts. Every invalid value raises `InvalidError` naming the field
and what is allowed; nothing else may escape (a ValueError would surface as a crash in the SDK
and as a 500 behind the API).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from skylift.contract import InvalidError
from skylift.contract.resources import (
    GPU_MAX_COUNTS,
    GPU_TYPES,
    MAX_GPU_COUNT,
    parse_gpu,
    validate_cpu,
    validate_memory,
    validate_timeout,
)

# No example database in the repository, and no deadlines: these tests assert behaviour, not speed.
quick = settings(database=None, deadline=None, max_examples=150)

GPU_FORMS = ('"H100:8"', '"H100!"', '"any"', "list")


# --- cpu ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.125, (0.125, None)),
        (1, (1.0, None)),
        (64, (64.0, None)),
        ((0.5, 2), (0.5, 2.0)),
        ([1, 1], (1.0, 1.0)),
    ],
)
def test_it_accepts_valid_cpu(value, expected):
    assert validate_cpu(value) == expected


@pytest.mark.parametrize(
    "value", [0, -1, -0.5, 64.01, 1000, "1", None, True, (2, 1), (1,), (1, 2, 3), [0, 1], float("nan")]
)
def test_it_refuses_invalid_cpu_naming_the_field(value):
    with pytest.raises(InvalidError, match=r"^cpu "):
        validate_cpu(value)


# --- memory -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(16, (16, None)), (128, (128, None)), (1024.0, (1024, None)), ((128, 256), (128, 256))],
)
def test_it_accepts_valid_memory(value, expected):
    assert validate_memory(value) == expected


@pytest.mark.parametrize(
    "value", [0, -1, 15, 336 * 1024 + 1, 1.5, "1024", None, False, (256, 128), (1, 2, 3)]
)
def test_it_refuses_invalid_memory_naming_the_field(value):
    with pytest.raises(InvalidError, match=r"^memory "):
        validate_memory(value)


# --- timeout ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 60, 86400, 300.0])
def test_it_accepts_a_timeout_from_one_second_to_a_day(value):
    assert validate_timeout(value) == int(value)


@pytest.mark.parametrize("value", [0, -1, 86401, 10**12, 0.5, 1.5, "60", None, True, [60]])
def test_it_refuses_a_timeout_outside_one_second_to_a_day(value):
    with pytest.raises(InvalidError, match=r"^timeout "):
        validate_timeout(value)


def test_it_names_the_timeout_bounds():
    with pytest.raises(InvalidError) as excinfo:
        validate_timeout(86401)
    assert "1" in str(excinfo.value) and "86400" in str(excinfo.value)


# Values a JSON body or a Python caller can produce that no float comparison handles. The server
# refuses them itself (functions/api/serializers.py); the SDK should as well.
UNCOMPARABLE = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf"), "10**400": 10**400}
VALIDATORS = (validate_cpu, validate_memory, validate_timeout)


@pytest.mark.parametrize(
    ("validator", "value"),
    [(v, x) for v in VALIDATORS for x in UNCOMPARABLE.values()],
    ids=[f"{v.__name__}-{name}" for v in VALIDATORS for name in UNCOMPARABLE],
)
def test_it_refuses_values_that_are_not_finite_numbers(validator, value):
    # when / then: an InvalidError, not a ValueError or OverflowError from int()/float()
    try:
        validator(value)
    except InvalidError:
        return
    except (ValueError, OverflowError) as exc:
        pytest.fail(f"{validator.__name__} raises {type(exc).__name__} ({exc}) instead of InvalidError")
    pytest.fail(f"{validator.__name__} accepted {value!r:.20}")


anything = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.tuples(children, children),
    max_leaves=6,
)


@quick
@given(value=anything)
def test_it_raises_only_invalid_error_for_any_finite_value(value):
    # Whatever a user passes (finite values; the non-finite ones are above), the answer is a
    # result or an InvalidError, never another exception.
    for validator in (validate_cpu, validate_memory, validate_timeout, parse_gpu):
        try:
            validator(value)
        except InvalidError:
            pass


@quick
@given(value=st.integers(min_value=1, max_value=86400))
def test_it_accepts_every_whole_timeout_in_range(value):
    assert validate_timeout(value) == value


@quick
@given(value=st.integers().filter(lambda v: not 1 <= v <= 86400))
def test_it_refuses_every_whole_timeout_out_of_range(value):
    with pytest.raises(InvalidError, match="timeout"):
        validate_timeout(value)


# --- gpu ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, []),
        ("h100", ["H100"]),
        ("H100", ["H100"]),
        ("t4", ["T4"]),
        ("A100:2", ["A100:2"]),
        ("a100-80gb:8", ["A100-80GB:8"]),
        ("H100!", ["H100!"]),
        ("h100!:2", ["H100!:2"]),
        ("H100:1", ["H100"]),
        ("any", ["any"]),
        ("ANY:2", ["any:2"]),
        ("a10", ["A10G"]),
        (" T4 ", ["T4"]),
        (["H100", "a100:2", "any"], ["H100", "A100:2", "any"]),
        (("L4",), ["L4"]),
    ],
)
def test_it_normalises_valid_gpu_specs(spec, expected):
    assert parse_gpu(spec) == expected


@pytest.mark.parametrize(
    "spec",
    [
        "H100:0",
        "H100:99",
        "H100:9",
        "X999",
        "any:-1",
        "any:0",
        "",
        "   ",
        "H100:two",
        "H100::2",
        "H100:2:3",
        ":2",
        "H100 x2",
        ["H100", "X999"],
        ["H100", ""],
        ["H100", None],
        [],
        7,
        {"type": "H100"},
        b"H100",
    ],
)
def test_it_refuses_invalid_gpu_specs_listing_the_accepted_forms(spec):
    # when
    with pytest.raises(InvalidError) as excinfo:
        parse_gpu(spec)
    # then the message says what would have been accepted
    message = str(excinfo.value)
    assert "gpu" in message
    for form in GPU_FORMS:
        assert form in message, (spec, message)
    for kind in ("T4", "A100", "H100"):
        assert kind in message


def _canonical(kind: str) -> str:
    return "A10G" if kind.upper() == "A10" else kind.upper()


@pytest.mark.parametrize("spec", ["A10G:5", "a10:8", ["T4", "A10G:6"]])
def test_it_caps_a10g_at_four_devices(spec):
    # A10G machines hold up to 4 GPUs (Modal's guide); the other types up to 8
    with pytest.raises(InvalidError, match="from 1 to 4"):
        parse_gpu(spec)
    assert parse_gpu("A10G:4") == ["A10G:4"] and parse_gpu("T4:8") == ["T4:8"]


def test_it_allows_the_no_upgrade_suffix_on_h100_only():
    with pytest.raises(InvalidError, match=r"'!'.*H100"):
        parse_gpu("T4!")


def test_it_names_the_offending_entry_of_a_fallback_list():
    with pytest.raises(InvalidError, match="X999"):
        parse_gpu(["H100", "X999", "any"])


@pytest.mark.parametrize("spec", ["H100:٣", "H100:³", "Ｈ100"])
def test_it_accepts_only_ascii_digits_and_letters_in_gpu_specs(spec):
    try:
        result = parse_gpu(spec)
    except InvalidError:
        return
    pytest.fail(f"non-ASCII digits accepted: {spec!r} -> {result}")


gpu_kinds = st.sampled_from([*GPU_TYPES, "any", "A10"])
gpu_specs = st.builds(
    lambda kind, lower, strict, count: (
        (kind.lower() if lower else kind) + ("!" if strict else "") + (f":{count}" if count else "")
    ),
    gpu_kinds,
    st.booleans(),
    st.booleans(),
    st.none() | st.integers(min_value=1, max_value=MAX_GPU_COUNT),
).filter(lambda spec: "!" not in spec or spec.upper().startswith("H100!"))
gpu_specs = gpu_specs.filter(
    lambda spec: not spec.upper().startswith(("A10G:", "A10:")) or int(spec[-1]) <= 4
)
CANONICAL = re.compile(r"(?:any|[A-Z0-9-]+)(?:!)?(?::[2-8])?")


@quick
@given(spec=gpu_specs)
def test_it_round_trips_every_valid_gpu_spec(spec):
    # when
    (normalised,) = parse_gpu(spec)
    # then the normal form is canonical and parses to itself
    assert CANONICAL.fullmatch(normalised), normalised
    assert parse_gpu(normalised) == [normalised]
    assert parse_gpu([spec, normalised]) == [normalised, normalised]


@quick
@given(spec=gpu_specs, count=st.integers().filter(lambda c: not 1 <= c <= MAX_GPU_COUNT))
def test_it_refuses_every_count_out_of_range(spec, count):
    with pytest.raises(InvalidError, match="count"):
        parse_gpu(spec.split(":")[0] + f":{count}")


@quick
@given(spec=st.text(max_size=16))
@example(spec="X999")
@example(spec="H100:0")
def test_it_refuses_everything_that_is_not_a_gpu_spec(spec):
    # given a text that is not of the grammar (type[!][:count], in any case, around whitespace)
    kinds = {k.upper() for k in GPU_TYPES} | {"ANY", "A10"}
    m = re.fullmatch(r"([A-Za-z0-9-]+?)(!)?(?::(\d+))?", spec.strip(), flags=re.ASCII)
    valid = (
        m is not None
        and m[1].upper() in kinds
        and (not m[2] or m[1].upper() == "H100")
        and (m[3] is None or 1 <= int(m[3]) <= GPU_MAX_COUNTS.get(_canonical(m[1]), MAX_GPU_COUNT))
    )
    if valid:
        return
    # when / then
    try:
        result = parse_gpu(spec)
    except InvalidError:
        return
    pytest.fail(f"accepts {spec!r} as {result}")
