"""Live updates for the dashboard: call status changes go to the app's Channels group.

The relay publishes them (when a container claims a call's first input, and when the call
ends); `functions.consumers.AppEventsConsumer` forwards them to the browser.
"""

from __future__ import annotations

__all__ = ["app_group"]


def app_group(app_id: str) -> str:
    return f"app.{app_id}"
