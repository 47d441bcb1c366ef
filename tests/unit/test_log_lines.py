"""A container's line streamed to the terminal lands between the local program's lines."""

from __future__ import annotations

import io
import threading

from skylift import _logs
from skylift._logs import _LocalLines


def test_a_containers_line_waits_for_the_local_line_being_printed(monkeypatch):
    # given a local print half written (print writes its text, then its newline)
    monkeypatch.setattr(_logs, "LINE_WAIT_SECONDS", 60)
    out = _LocalLines(io.StringIO(), threading.Condition())
    out.write("9² = 81")
    # when the streamer writes a container's line meanwhile
    streamer = threading.Thread(target=out.write_lines, args=("squaring 9\n",))
    streamer.start()
    out.write("\n")
    streamer.join()
    # then
    assert out.original.getvalue() == "9² = 81\nsquaring 9\n"


def test_an_unfinished_local_line_holds_the_containers_lines_back_only_briefly(monkeypatch):
    # given a prompt that stays unfinished
    monkeypatch.setattr(_logs, "LINE_WAIT_SECONDS", 0)
    out = _LocalLines(io.StringIO(), threading.Condition())
    out.write("name? ")
    # when
    out.write_lines("from the container\n")
    # then
    assert out.original.getvalue() == "name? from the container\n"
    assert out.at_line_start is False  # the local line is still the program's to finish
