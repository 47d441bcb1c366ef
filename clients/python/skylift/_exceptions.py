"""Exceptions raised by the Skylift SDK, mirroring `modal.exception`.

Error
├── AuthError                    the token is missing, wrong or revoked
├── ConnectionError              no Skylift server answered
├── InvalidError                 a bad argument or option (names the field and what is allowed)
├── NotFoundError                an object does not exist (or is not yours)
├── ResourceExhaustedError       a limit was hit; retry later
├── RemoteError                  the server failed to do what was asked
├── ExecutionError               the platform could not run the input (container crash, lost host)
├── SerializationError           a value could not be pickled (argument or return value)
├── DeserializationError         a value could not be unpickled
├── TimeoutError                 something took too long (not the built-in TimeoutError)
│   ├── FunctionTimeoutError     an attempt ran past the function's timeout
│   └── OutputExpiredError       the output is older than the retention period
└── UserCodeException            wraps an exception `.map(return_exceptions=True)` returns as a value
InputCancellation (BaseException) raised inside a function whose input was cancelled

`skylift.Error` is the same class as `skylift.exception.Error`: `except skylift.Error:` catches
every error the SDK raises, as `except modal.Error:` does. `FunctionCall.get(timeout=...)` raises
the built-in TimeoutError when no result came in time, as Modal's does.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "ConnectionError",
    "DeserializationError",
    "Error",
    "ExecutionError",
    "FunctionTimeoutError",
    "InputCancellation",
    "InvalidError",
    "NotFoundError",
    "OutputExpiredError",
    "RemoteError",
    "ResourceExhaustedError",
    "SerializationError",
    "TimeoutError",
    "UserCodeException",
]


class Error(Exception):
    """Base class for every Skylift error."""


class AuthError(Error):
    pass


class ConnectionError(Error):  # noqa: A001 - mirrors modal.exception.ConnectionError
    pass


class InvalidError(Error):
    pass


class NotFoundError(Error):
    pass


class ResourceExhaustedError(Error):
    pass


class RemoteError(Error):
    pass


class ExecutionError(Error):
    pass


class SerializationError(Error):
    pass


class DeserializationError(Error):
    pass


class TimeoutError(Error):  # noqa: A001 - mirrors modal.exception.TimeoutError
    """Base class of the SDK's timeouts."""


class OutputExpiredError(TimeoutError):
    pass


class FunctionTimeoutError(TimeoutError):
    pass


class InputCancellation(BaseException):
    """Raised inside a running function when its input is cancelled."""


class UserCodeException(Error):
    """An exception a map returned as a value (`return_exceptions=True`), wrapped as Modal wraps it.

    The original is `.exc` (also the `__cause__`). Pass `wrap_returned_exceptions=False` to get the
    original exceptions themselves.
    """

    def __init__(self, exc: BaseException):
        super().__init__(exc)
        self.exc = exc
        self.__cause__ = exc

    def __str__(self) -> str:
        return f"{type(self.exc).__name__}: {self.exc}"

    def __repr__(self) -> str:
        return f"UserCodeException({self.exc!r})"
