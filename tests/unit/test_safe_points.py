"""The container runtime interrupts user code only at safe points (skylift/_interrupts.py).

In-process, without a platform: the runtime's own relay connection (`_Channel`) and log tee
run against a peer on a real Unix socket that checks every frame, while interruptions are
fired as fast as they come (a 1 ms timer for the main thread, a busy sender for a worker). An
interruption may land in user code only: frames stay whole and replies in step, printed lines
whole, and each interruption comes out of a user-code block.
"""

from __future__ import annotations

import signal
import socket
import threading

import pytest

from skylift import _interrupts
from skylift._container import _Channel, _LogShipper, _StreamTee
from skylift._exceptions import InputCancellation
from skylift._interrupts import Cancelled, Preempted, SafePoints, Timeout, current_safe_points
from skylift.contract.protocol import encode_frame, read_frame

BODY = 1 << 20  # big enough that sendall waits for the peer to read


def _body(n: int) -> bytes:
    return bytes([n % 251]) * BODY


class Relay:
    """A peer on a Unix socket that checks each frame and answers it with its number."""

    def __init__(self, path: str):
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen()
        self.frames = 0
        self.lines: list[str] = []
        self.errors: list[str] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            while True:
                try:
                    header, body = read_frame(conn)
                except EOFError:
                    return
                except Exception as exc:  # noqa: BLE001 - a torn frame is what the tests look for
                    self.errors.append(f"unreadable frame: {exc!r}")
                    return
                if header.get("op") == "log":
                    self.lines += [line["text"] for line in header["lines"]]
                elif body != _body(header["n"]):
                    self.errors.append(f"frame {header['n']} arrived torn ({len(body)} bytes)")
                else:
                    self.frames += 1
                conn.sendall(encode_frame({"ok": True, "n": header.get("n")}))

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def relay(tmp_path):
    peer = Relay(str(tmp_path / "sock"))
    yield peer
    peer.close()


@pytest.fixture
def main_points():
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGALRM, signal.SIGUSR1)}
    points = SafePoints.for_main_thread()
    yield points
    signal.setitimer(signal.ITIMER_REAL, 0)
    points.end()
    for sig, handler in saved.items():
        signal.signal(sig, handler)
    del _interrupts._local.points


def _user_work() -> int:
    total = 0
    for i in range(20_000):
        total += i
    return total


def test_it_raises_an_interruption_asked_for_in_runtime_code_when_user_code_resumes(main_points):
    # given an input running in the main thread, in runtime code called from user code
    main_points.begin(["in-1"])
    reached = []

    def user_code():
        with main_points.user():
            with main_points.runtime():
                # when a timeout comes (its signal handler runs here, in this thread)
                main_points.interrupt(Timeout)
                reached.append("the rest of the runtime code")
            reached.append("user code after the runtime returned")

    with pytest.raises(Timeout):
        user_code()
    # then the runtime code finished, and the timeout came out as user code resumed
    assert reached == ["the rest of the runtime code"]


def test_it_ignores_an_interruption_for_another_input_and_forgets_one_at_the_end(main_points):
    main_points.begin(["in-1"])
    assert main_points.interrupt(Cancelled, "in-2") is False
    assert main_points.interrupt(Cancelled, "in-1") is True  # in runtime code: it waits
    main_points.end()
    with main_points.user():
        _user_work()  # nothing is raised: the input it was for is over
    assert main_points.interrupt(Cancelled, "in-1") is False


def test_it_raises_the_stronger_of_two_waiting_interruptions(main_points):
    main_points.begin(["in-1"])
    main_points.interrupt(Preempted)
    main_points.interrupt(Cancelled, "in-1")
    with pytest.raises(Preempted):
        with main_points.user():
            _user_work()


def test_it_interrupts_user_code_that_caught_an_interruption_again_at_its_next_print(main_points):
    main_points.begin(["in-1"])
    reached = []

    def user_code():
        with main_points.user():
            try:
                main_points.interrupt(Cancelled, "in-1")  # in user code: raised at once
            except InputCancellation:
                reached.append("caught the cancellation")
            main_points.interrupt(Timeout)  # waits: the thread may be in the runtime's handlers
            reached.append("went on")
            with main_points.runtime():  # a print
                reached.append("printed")
            reached.append("after the print")

    with pytest.raises(Timeout):
        user_code()
    assert reached == ["caught the cancellation", "went on", "printed"]


def test_it_cancels_a_worker_again_after_it_caught_a_cancellation():
    # given a worker thread whose user code catches a first cancellation and goes on
    first_caught, second_sent = threading.Event(), threading.Event()
    holder: list[SafePoints] = []
    outcome: list[str] = []

    def worker():
        points = SafePoints.for_worker_thread()
        holder.append(points)
        points.begin(["in-1"])
        try:
            with points.user():
                try:
                    while True:
                        _user_work()
                except InputCancellation:
                    first_caught.set()
                while not second_sent.is_set():
                    _user_work()
                outcome.append("went on")
                with points.runtime():  # a print
                    outcome.append("printed")
                outcome.append("after the print")
        except InputCancellation:
            outcome.append("cancelled again")
        finally:
            points.end()

    thread = threading.Thread(target=worker)
    thread.start()
    while not holder:
        pass
    # when it is cancelled, and cancelled again once it caught the first
    while not first_caught.is_set():
        holder[0].interrupt(Cancelled, "in-1")
    holder[0].interrupt(Cancelled, "in-1")
    second_sent.set()
    thread.join()
    # then the second lands at its next print, not in whatever ran right after the first
    assert outcome == ["went on", "printed", "cancelled again"]


def test_it_keeps_frames_whole_while_a_timer_interrupts_the_main_thread(relay, tmp_path, main_points):
    # given the runtime's channel to the relay, and an input running in the main thread
    channel = _Channel(str(tmp_path / "sock"))
    main_points.begin(["in-1"])
    interrupted = 0
    # when a timer fires every millisecond while the thread alternates user code and big requests
    signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
    try:
        for n in range(60):
            try:
                with main_points.user():
                    _user_work()
            except Timeout:
                interrupted += 1
            reply, _ = channel.request({"op": "item", "n": n}, _body(n))
            assert reply["n"] == n  # the reply is this request's: the connection is in step
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    # then timeouts landed, all in user code, and every frame arrived whole
    assert interrupted > 0
    assert relay.errors == []
    assert relay.frames == 60


def test_it_keeps_frames_and_printed_lines_whole_while_a_worker_is_cancelled_again_and_again(relay, tmp_path):
    channel = _Channel(str(tmp_path / "sock"))
    shipper = _LogShipper(_Channel(str(tmp_path / "sock"), "logs"))
    tee = _StreamTee(shipper, "stdout", open("/dev/null", "w"))  # noqa: SIM115 - closed with the test
    ready, stop = threading.Event(), threading.Event()
    outcome: dict = {"cancelled": 0, "escaped": []}
    holder: list[SafePoints] = []

    def worker():
        points = SafePoints.for_worker_thread()
        holder.append(points)
        points.begin(["in-1"])
        ready.set()
        try:
            for n in range(60):
                try:
                    with points.user():
                        _user_work()
                        for i in range(50):
                            tee.write(f"line {n}:{i} " + "x" * 200 + " end\n")  # a print, in user code
                except InputCancellation:
                    outcome["cancelled"] += 1
                reply, _ = channel.request({"op": "item", "n": n}, _body(n))
                assert reply["n"] == n
        except BaseException as exc:  # noqa: BLE001 - anything escaping runtime code fails the test
            outcome["escaped"].append(repr(exc))
        finally:
            points.end()
            stop.set()

    thread = threading.Thread(target=worker)
    thread.start()
    ready.wait()
    # when another thread cancels the worker's input as fast as it can
    sent = 0
    while not stop.is_set():
        holder[0].interrupt(Cancelled, "in-1")
        sent += 1
    thread.join()
    shipper.flush()
    # then the cancellations landed in user code only, and what went to the relay arrived whole
    assert outcome["escaped"] == []
    assert outcome["cancelled"] > 0
    assert relay.errors == []
    assert relay.frames == 60
    assert relay.lines, "no line was printed"
    torn = [line for line in relay.lines if not (line.startswith("line ") and line.endswith(" end"))]
    assert torn == []
    tee.original.close()


def test_it_gives_each_thread_its_own_safe_points():
    seen = []

    def worker():
        seen.append(SafePoints.for_worker_thread() is SafePoints.for_worker_thread())
        seen.append(current_safe_points().signals)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [True, False]
