"""Public exception module, as `modal.exception`."""

from ._exceptions import *  # noqa: F403
from ._exceptions import __all__ as _exception_names
from ._unsupported import simulate_preemption

__all__ = [*_exception_names, "simulate_preemption"]
