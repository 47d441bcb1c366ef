"""Transitions of schedules: a due tick fires once, as one call of the function with no arguments."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime

from apps.models import AppState

from .calls import Accepted, accept_call
from .plans import A, F, Rows, Stmt, transition

__all__ = ["Fired", "fire_schedule"]

# The app's row is read under a share lock: a deploy (which makes another version live) or a
# stop (which cancels what the app has not finished) waits for the tick's call to commit, and a
# tick waits for them; either way the tick fires for the version that is live when it commits.
LIVE_VERSION_SQL = f"""
SELECT a.state, a.live_version_id FROM {A} a JOIN {F} f ON f.app_id = a.id
 WHERE f.id = %(function)s
   FOR SHARE OF a
"""

# The tick is taken by whoever moves `next_run_at` off it first: a second scheduler (or a retried
# run of the same one) that was due the same tick finds it moved, and fires nothing.
ADVANCE_SQL = f"""
UPDATE {F} SET next_run_at = %(next)s, last_run_at = %(due)s, last_run_call_id = %(call)s
 WHERE id = %(function)s AND next_run_at = %(due)s AND retired_at IS NULL
   AND version_id = %(live)s AND variant_key = ''
RETURNING workspace_id
"""


@dataclass(frozen=True)
class Fired:
    """The call a tick made, and the input to push to the function's queue once committed."""

    call_id: str
    input_id: str


@transition(atomic=True)
def fire_schedule(
    *,
    function_id: str,
    due: datetime,
    next_run_at: datetime,
    call_id: str,
    input_id: str,
    args: bytes,
) -> Generator[Stmt, Rows, Fired | None]:
    """Fire the tick `due` of a function's schedule: move its next run to `next_run_at` and accept
    one call with `args` (the pickled empty arguments) in the same transaction.

    Nothing happens (None) when the tick was fired already, or the function is no longer of the
    live version of a deployed (or served) app: redeployed, rolled back, stopped.
    """
    app = yield Stmt(LIVE_VERSION_SQL, {"function": function_id})
    if not app or app[0]["state"] == AppState.STOPPED.value or app[0]["live_version_id"] is None:
        return None
    advanced = yield Stmt(
        ADVANCE_SQL,
        {
            "function": function_id,
            "due": due,
            "next": next_run_at,
            "call": call_id,
            "live": app[0]["live_version_id"],
        },
    )
    if not advanced:
        return None
    # The key makes the call of a tick findable, and a second guard against firing a tick twice.
    accepted: Accepted = yield from accept_call(
        call_id=call_id,
        workspace_id=advanced[0]["workspace_id"],
        function_id=function_id,
        user_id=None,
        kind="schedule",
        method="",
        idempotency_key=f"schedule:{function_id}:{int(due.timestamp() * 1_000_000)}",
        closed=True,
        input_ids=[input_id],
        args=[args],
        blobs=[""],
    ).steps
    if not accepted.created:
        return None
    return Fired(accepted.call_id, accepted.input_ids[0])
