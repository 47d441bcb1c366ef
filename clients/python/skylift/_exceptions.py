"""Exceptions raised by the Skylift SDK, mirroring `modal.exception`.

Error
├── AuthError                    the token is missing, wrong or revoked
├── ConnectionError              no Skylift server answered
├── InvalidError                 a bad argument or option (names the field and what is allowed),
│   │                            or a feature of Modal's that Skylift does not support yet
│   └── ConflictError
├── NotFoundError                an object does not exist (or is not yours)
├── ResourceExhaustedError       a limit was hit; retry later
├── RemoteError                  the server failed to do what was asked
│   └── ImageBuildError          an image failed to build
├── ExecutionError               the platform could not run the input (container crash, lost host)
├── SerializationError           a value could not be pickled (argument or return value)
├── DeserializationError         a value could not be unpickled
├── TimeoutError                 something took too long (Modal's, not the built-in TimeoutError)
│   ├── FunctionTimeoutError     an attempt ran past the function's timeout
│   └── OutputExpiredError       the output is older than the retention period
└── UserCodeException            wraps an exception `.map(return_exceptions=True)` returns as a value
InputCancellation (BaseException) raised inside a function whose input was cancelled

`skylift.Error` is the same class as `skylift.exception.Error`: `except skylift.Error:` catches
every error the SDK raises, as `except modal.Error:` does. `FunctionCall.get(timeout=...)` raises
the built-in TimeoutError when no result came in time, as Modal's does.

The other classes of `modal.exception` exist too, arranged as Modal arranges them, so that a
Modal program's `except` clauses work; Skylift does not raise them (yet): see
docs/modal-compatibility.md. As Modal's, DeprecationError, ServerWarning and AsyncUsageWarning
are warning categories (UserWarning) and ModuleNotMountable is not an Error.
"""

from __future__ import annotations

__all__ = [
    "AlreadyExistsError",
    "AsyncUsageWarning",
    "AuthError",
    "ClientClosed",
    "ConflictError",
    "ConnectionError",
    "DataLossError",
    "DeprecationError",
    "DeserializationError",
    "Error",
    "ExecTimeoutError",
    "ExecutionError",
    "FilesystemExecutionError",
    "FunctionTimeoutError",
    "ImageBuildError",
    "InputCancellation",
    "InteractiveTimeoutError",
    "InternalError",
    "InternalFailure",
    "InvalidError",
    "LogsFetchError",
    "ModuleNotMountable",
    "MountUploadTimeoutError",
    "NotFoundError",
    "OutputExpiredError",
    "PermissionDeniedError",
    "RemoteError",
    "RequestSizeError",
    "ResourceExhaustedError",
    "SandboxFilesystemDirectoryNotEmptyError",
    "SandboxFilesystemError",
    "SandboxFilesystemFileTooLargeError",
    "SandboxFilesystemIsADirectoryError",
    "SandboxFilesystemNotADirectoryError",
    "SandboxFilesystemNotFoundError",
    "SandboxFilesystemPathAlreadyExistsError",
    "SandboxFilesystemPermissionError",
    "SandboxTerminatedError",
    "SandboxTimeoutError",
    "SerializationError",
    "ServerWarning",
    "ServiceError",
    "SnapshotCreationError",
    "TimeoutError",
    "UnimplementedError",
    "UserCodeException",
    "VersionError",
    "VolumeUploadTimeoutError",
    "WorkspaceManagementError",
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
    """Base of the timeouts, as Modal's (not the built-in TimeoutError)."""


class OutputExpiredError(TimeoutError):
    pass


class FunctionTimeoutError(TimeoutError):
    pass


class ImageBuildError(RemoteError):
    pass


class ConflictError(InvalidError):
    pass


# Modal's other exceptions and warnings, which Skylift does not raise yet.


class AlreadyExistsError(Error):
    pass


class ClientClosed(Error):
    pass


class DataLossError(Error):
    pass


class ExecTimeoutError(TimeoutError):
    pass


class FilesystemExecutionError(Error):
    pass


class InteractiveTimeoutError(TimeoutError):
    pass


class InternalError(Error):
    pass


class InternalFailure(Error):
    pass


class LogsFetchError(Error):
    pass


class MountUploadTimeoutError(TimeoutError):
    pass


class PermissionDeniedError(Error):
    pass


class RequestSizeError(Error):
    pass


class SandboxFilesystemError(Error):
    pass


class SandboxFilesystemDirectoryNotEmptyError(SandboxFilesystemError):
    pass


class SandboxFilesystemFileTooLargeError(SandboxFilesystemError):
    pass


class SandboxFilesystemIsADirectoryError(SandboxFilesystemError):
    pass


class SandboxFilesystemNotADirectoryError(SandboxFilesystemError):
    pass


class SandboxFilesystemNotFoundError(SandboxFilesystemError):
    pass


class SandboxFilesystemPathAlreadyExistsError(SandboxFilesystemError):
    pass


class SandboxFilesystemPermissionError(SandboxFilesystemError):
    pass


class SandboxTerminatedError(Error):
    pass


class SandboxTimeoutError(TimeoutError):
    pass


class ServiceError(Error):
    pass


class SnapshotCreationError(Error):
    pass


class UnimplementedError(Error):
    pass


class VersionError(Error):
    pass


class VolumeUploadTimeoutError(TimeoutError):
    pass


class WorkspaceManagementError(Error):
    pass


class ModuleNotMountable(Exception):
    pass


class DeprecationError(UserWarning):
    """Modal's category for deprecation warnings."""


class ServerWarning(UserWarning):
    pass


class AsyncUsageWarning(UserWarning):
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
