"""The relay's wake-ups carry a one-input call's small output; the fast path trusts only its own."""

from __future__ import annotations

import base64
import json

from functions.fastpath import _carried_output
from hosts.relay import WAKE_INLINE_MAX, wake_messages


def _row(call_id: str, input_id: str, *, blob: bool = False, idx: int = 0) -> dict:
    return {
        "call_id": call_id,
        "id": input_id,
        "idx": idx,
        "status": "succeeded",
        "result_kind": "value",
        "cause": "",
        "message": "",
        "finished_seq": 41,
        "codec": "",
        "blob": blob,
        "finished": True,
    }


def test_a_call_with_one_small_output_gets_it_in_its_wake_up():
    messages = wake_messages([_row("fc-1", "in-1")], {"in-1": b"\x80\x04K\x02."})
    carried = _carried_output(messages["fc-1"], "in-1")
    assert carried == {
        "input_id": "in-1",
        "idx": 0,
        "status": "succeeded",
        "result_kind": "value",
        "result": base64.b64encode(b"\x80\x04K\x02.").decode(),
        "cause": "",
        "message": "",
        "seq": 41,
        "codec": "",
    }


def test_several_outputs_of_one_call_a_blob_or_a_large_result_only_nudge():
    rows = [_row("fc-map", "in-1"), _row("fc-map", "in-2", idx=1), _row("fc-blob", "in-3", blob=True)]
    rows.append(_row("fc-big", "in-4"))
    bodies = {"in-1": b"a", "in-2": b"b", "in-3": b"", "in-4": b"x" * (WAKE_INLINE_MAX + 1)}
    assert wake_messages(rows, bodies) == {"fc-map": b"1", "fc-blob": b"1", "fc-big": b"1"}


def test_the_fast_path_ignores_nudges_and_other_inputs_outputs():
    message = wake_messages([_row("fc-1", "in-1")], {"in-1": b"v"})["fc-1"]
    assert _carried_output(message, "in-other") is None
    assert _carried_output(b"1", "in-1") is None
    assert _carried_output(b"x", "in-1") is None  # a cancellation's nudge
    assert _carried_output(b"{not json", "in-1") is None
    assert _carried_output(json.dumps({"input_id": "in-1"}).encode(), "in-1") is None
