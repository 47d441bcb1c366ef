"""Interrupting user code in a container (timeout, cancellation, preemption) only at safe points.

The runtime interrupts a running input from outside: a timer, the cancellation watcher, the
drain timer after SIGTERM. Python offers two ways to raise in another thread's code, and
neither waits for a good moment: a signal handler runs in the main thread between any two
bytecodes (or inside a blocking call that the signal woke), and `PyThreadState_SetAsyncExc`
raises in a worker thread at its next bytecode. Landing inside the runtime's own code, such an
exception would tear a frame to the relay in half (`sendall` stopped midway) or leave a reply
unread, and the connection would be out of step for good.

So each thread that runs user code has a `SafePoints`: the runtime marks the stretches where user
code runs (`user()`), and the stretches of runtime code that user code calls into (`runtime()`:
a `print` reaching the log shipper). An interruption asked for while the thread is in user code
is raised there at once; one asked for while it is in runtime code waits, and is raised when the
thread returns to user code. Once one is raised, the thread counts as out of user code (the
exception may well be on its way into the runtime's handlers) until it returns to user code
through the runtime: after user code caught one and went on, the next waits for its next print.
Between inputs nothing is raised: `end()` forgets what is left.

- The main thread (one input at a time, sync code): a signal wakes it (`POKE_SIGNAL`, or SIGALRM
  for the timeout), so that even a blocking `time.sleep()` is interrupted; the handler raises
  only in user code.
- A worker thread (`@concurrent` sync code): `PyThreadState_SetAsyncExc`. It cannot be taken
  back once raised, but it can be withdrawn before: the thread withdraws any it was sent each
  time it enters runtime code, under the lock that the sender holds, and it is sent again when
  the thread goes back to user code.

Standard library only: this module runs inside user containers.
"""

from __future__ import annotations

import ctypes
import signal
import threading
from collections.abc import Iterable
from types import FrameType

from ._exceptions import InputCancellation

__all__ = ["POKE_SIGNAL", "Cancelled", "Preempted", "SafePoints", "Timeout", "current_safe_points"]

POKE_SIGNAL = signal.SIGUSR1

_local = threading.local()


class _Interruption:
    """Mixed into the exceptions raised at safe points: creating one records that it arrived."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        points = current_safe_points()
        if points is not None:
            points._arrived(type(self))  # type: ignore[arg-type]  # a mixin: every subclass is an exception


class Timeout(_Interruption, BaseException):
    """The input ran past its timeout."""


class Preempted(_Interruption, BaseException):
    """The container is stopping and the input did not finish within the drain time."""


class Cancelled(_Interruption, InputCancellation):
    """The input was cancelled (an `InputCancellation`, as user code sees it)."""


# The stronger interruption wins when two are due at once.
_RANK = {Cancelled: 1, Timeout: 2, Preempted: 3}


def current_safe_points() -> SafePoints | None:
    """The safe points of the calling thread, if it runs user code for the runtime."""
    return getattr(_local, "points", None)


def _set_async_exc(ident: int, exc_type: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(ident), ctypes.py_object(exc_type) if exc_type is not None else None
    )


class _Runtime:
    """`with points.runtime():` (see SafePoints.runtime)."""

    __slots__ = ("points",)

    def __init__(self, points: SafePoints):
        self.points = points

    def __enter__(self) -> None:
        self.points._enter_runtime()

    def __exit__(self, *exc: object) -> None:
        self.points._leave_runtime()


class _User:
    """`with points.user():` (see SafePoints.user)."""

    __slots__ = ("points",)

    def __init__(self, points: SafePoints):
        self.points = points

    def __enter__(self) -> None:
        self.points._enter_user()

    def __exit__(self, *exc: object) -> None:
        self.points._leave_user()


class SafePoints:
    """Where interruptions may land in one thread: made in that thread, by `for_main_thread()` or
    `for_worker_thread()`."""

    def __init__(self, *, signals: bool):
        self.ident = threading.get_ident()
        self.signals = signals
        self._lock = threading.RLock()
        self._inputs: frozenset[str] = frozenset()  # what runs in the thread now
        self._due: type[BaseException] | None = None  # waiting for the next safe point
        self._armed = False  # an interruption may be raised now
        self._sent = False  # (worker) an asynchronous exception may be on its way
        # Written by the thread itself only:
        self._in_user_code = False  # inside a user() block (whatever runtime code it called)
        self._depth = 0  # runtime() blocks open inside it
        _local.points = self

    @classmethod
    def for_main_thread(cls) -> SafePoints:
        """The main thread's; installs the handlers of SIGALRM (the timeout) and POKE_SIGNAL."""
        points = cls(signals=True)
        signal.signal(signal.SIGALRM, points._on_alarm)
        signal.signal(POKE_SIGNAL, points._on_poke)
        return points

    @classmethod
    def for_worker_thread(cls) -> SafePoints:
        """This thread's, made on first use."""
        return current_safe_points() or cls(signals=False)

    # The thread itself --------------------------------------------------------------------

    def begin(self, input_ids: Iterable[str]) -> None:
        """Inputs start running in this thread (in runtime code: nothing is raised yet)."""
        with self._lock:
            self._inputs = frozenset(input_ids)
            self._due = None

    def end(self) -> None:
        """The inputs are over: an interruption that has not been raised is dropped."""
        with self._lock:
            self._inputs = frozenset()
            self._due = None
            self._armed = self._in_user_code = False
            self._depth = 0
            self._withdraw()

    def user(self) -> _User:
        """Run user code inside: what is due is raised on entry, and what comes is raised there."""
        return _User(self)

    def runtime(self) -> _Runtime:
        """Run runtime code called from user code inside: interruptions wait until it returns."""
        return _Runtime(self)

    def _enter_user(self) -> None:
        self._in_user_code, self._depth = True, 0
        self._arm()

    def _leave_user(self) -> None:
        self._in_user_code = False
        self._disarm()

    def _enter_runtime(self) -> None:
        self._disarm()
        self._depth += 1

    def _leave_runtime(self) -> None:
        self._depth -= 1
        if self._depth <= 0 and self._in_user_code:
            self._arm()  # back in user code

    # Other threads (or this thread's signal handlers) --------------------------------------

    def interrupt(self, exc_type: type[BaseException], input_id: str | None = None) -> bool:
        """Raise `exc_type` in the running input (the one named, if any) at its next safe point.

        False when the thread runs no input, or another one than named.
        """
        with self._lock:
            if not self._inputs or (input_id is not None and input_id not in self._inputs):
                return False
            if self._due is None or _RANK[exc_type] > _RANK[self._due]:  # type: ignore[index]  # only ranked kinds are sent
                self._due = exc_type
            if not self.signals:
                self._send()
                return True
        if threading.get_ident() == self.ident:
            self._raise_due()  # a signal handler of this very thread
        else:
            signal.pthread_kill(self.ident, POKE_SIGNAL)
        return True

    # Inside --------------------------------------------------------------------------------

    def _arm(self) -> None:
        """From here on interruptions are raised; what is due now is raised at once."""
        if self.signals:
            self._armed = True
            self._raise_due()
            return
        with self._lock:
            self._armed = True
            self._send()

    def _disarm(self) -> None:
        """From here on interruptions wait (runtime code)."""
        if not self._armed:
            return
        if self.signals:
            self._armed = False  # its signal handlers only read the flag
            return
        with self._lock:
            # A sender holds this lock: once it is ours, nothing new is sent, and what was sent
            # and has not been raised yet is taken back (it stays due).
            self._withdraw()
            self._armed = False

    def _send(self) -> None:
        """(worker, lock held) Hand what is due to CPython, to be raised at the next bytecode."""
        if self._armed and self._due is not None:
            self._sent = True  # before: it may be raised as soon as the call returns
            _set_async_exc(self.ident, self._due)

    def _withdraw(self) -> None:
        """(worker, lock held) Take back an asynchronous exception not raised yet."""
        if self._sent:
            _set_async_exc(self.ident, None)
            self._sent = False

    def _arrived(self, exc_type: type[BaseException]) -> None:
        """An interruption is being raised in this thread: it is no longer due, and nothing more
        is raised (the exception may be on its way into the runtime's own handlers) until the
        thread is back in user code through a runtime() or user() block."""
        with self._lock:
            self._armed = False
            self._withdraw()  # a later one, sent before this one was seen (Python < 3.12)
            if self._due is exc_type:
                self._due = None

    def _raise_due(self) -> None:
        """(main thread) Raise what is due, if the thread is in user code."""
        with self._lock:
            if not self._armed or self._due is None:
                return
            exc_type, self._due = self._due, None
            self._armed = False
        raise exc_type()

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        self.interrupt(Timeout)

    def _on_poke(self, signum: int, frame: FrameType | None) -> None:
        self._raise_due()
