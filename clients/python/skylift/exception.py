"""Public exception module, as `modal.exception`."""

from ._exceptions import *  # noqa: F403
from ._exceptions import __all__  # noqa: F401
