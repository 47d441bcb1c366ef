"""`skylift.enable_output()`: while it is active, running an app prints its image builds and its
containers' output, as `skylift run` does and as Modal's `enable_output()` does.

Without it (and without `app.run(show_logs=True)`), `app.run()` prints nothing, as Modal's does.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

__all__ = ["enable_output", "output_enabled", "progress_shown"]

_lock = threading.Lock()
_active: list[bool] = []  # show_progress of each enable_output() block entered and not left


@contextlib.contextmanager
def enable_output(show_progress: bool = True) -> Iterator[None]:
    """Print image builds and container output of the apps run in this block.

    `show_progress=False` leaves out the status line a build shows on a terminal.
    """
    with _lock:
        _active.append(bool(show_progress))
    try:
        yield
    finally:
        with _lock:
            _active.pop()


def output_enabled() -> bool:
    """Whether an `enable_output()` block is active (in any thread)."""
    return bool(_active)


def progress_shown() -> bool:
    """Whether a build may show its status line: yes, unless the innermost block said not to."""
    with _lock:
        return _active[-1] if _active else True
