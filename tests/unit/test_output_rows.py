"""A call's outputs read through the API are built by hand (functions.queues.output_message), as the
fast path and the relay's wake-ups build them: they must be what the schema's OutputSerializer says."""

from __future__ import annotations

import json

import pytest

from functions.api.serializers import OutputSerializer
from functions.queues import output_message


def _row(**changes) -> dict:
    row = {
        "id": "in-abc",
        "idx": 7,
        "status": "succeeded",
        "result": b"\x80\x04K\x08.",
        "result_blob": "",
        "result_kind": "value",
        "cause": "",
        "message": "",
        "finished_seq": 1234,
        "codec": "",
    }
    row.update(changes)
    return row


@pytest.mark.parametrize(
    "row",
    [
        _row(),
        _row(result=memoryview(b"\x00\xffbytes as the database gives them")),
        _row(result=None, status="failed", result_kind="error", cause="timeout", message="ran past 1 s"),
        _row(result=b"", status="failed", result_kind="exception", message="ValueError: no\n\u00e9"),
        _row(finished_seq=None, status="cancelled", result_kind="error", cause="cancelled", result=None),
        _row(codec="json", result=b'{"answer": 42}', idx=0),
        _row(result=b"x" * 100_000, idx=9_999),
    ],
)
def test_an_output_row_is_what_the_serializer_gives(row):
    expected = OutputSerializer(row).data
    built = output_message(row, row["result"])
    assert built == expected
    # The same document, key for key in the same order.
    assert json.dumps(built) == json.dumps(expected)
