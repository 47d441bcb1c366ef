"""The git commit a deployed file comes from, recorded with its version."""

from __future__ import annotations

import os
import shutil
import subprocess

__all__ = ["git_state"]


def git_state(path: str | None) -> tuple[str, bool | None]:
    """(commit, dirty) of the git work tree holding `path`; ("", None) outside one or without git."""
    if not path or shutil.which("git") is None:
        return "", None
    where = os.path.dirname(os.path.abspath(path))
    try:
        commit = subprocess.run(
            ["git", "-C", where, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", where, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "", None
    return commit, bool(status.strip())
