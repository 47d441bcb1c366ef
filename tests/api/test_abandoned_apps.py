"""An ephemeral app whose client went quiet is stopped, but not for a silence the control plane
caused (apps.listening): against the real PostgreSQL and Redis."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from apps import listening
from apps.models import App, AppState
from functions import reconciler
from functions.queues import redis_client

QUIET = settings.SKYLIFT_CLIENT_ABANDONED_SECONDS


@pytest.fixture
def quiet_app(objects_a):
    """Workspace A's app, ephemeral and attached, its client last heard twice the quiet time ago."""
    App.objects.filter(pk=objects_a.app.pk).update(
        state=AppState.EPHEMERAL, detached=False, client_seen_at=timezone.now() - timedelta(seconds=2 * QUIET)
    )
    yield objects_a.app
    redis_client().delete(listening.LISTENING_KEY)


def _state(app) -> str:
    return App.objects.get(pk=app.pk).state


def test_an_app_whose_client_went_quiet_while_the_control_plane_listened_is_stopped(quiet_app):
    # given web processes up without a gap for longer than the quiet time
    redis_client().set(listening.LISTENING_KEY, f"{time.time() - 3 * QUIET:.3f}", ex=listening.TTL_SECONDS)
    # when the reconciler looks
    reconciler._stop_abandoned_apps(timezone.now())
    # then the app is stopped
    assert _state(quiet_app) == AppState.STOPPED


def test_no_app_is_stopped_while_no_web_process_is_up(quiet_app):
    # given no web process renewing its key (all down: clients cannot reach the platform)
    redis_client().delete(listening.LISTENING_KEY)
    # when the reconciler looks
    reconciler._stop_abandoned_apps(timezone.now())
    # then the quiet client's app still runs
    assert _state(quiet_app) == AppState.EPHEMERAL


def test_a_silence_is_counted_from_the_control_planes_return(quiet_app):
    # given a web process that has just started (after an outage longer than the quiet time)
    listening.announce_start()
    # when the reconciler looks now, and as if the quiet time had passed since
    reconciler._stop_abandoned_apps(timezone.now())
    assert _state(quiet_app) == AppState.EPHEMERAL
    reconciler._stop_abandoned_apps(timezone.now() + timedelta(seconds=QUIET + 1))
    # then only the second stops it
    assert _state(quiet_app) == AppState.STOPPED


def test_renewals_keep_the_time_the_web_processes_came_up_and_restart_it_after_a_lapse():
    r = redis_client()
    r.set(listening.LISTENING_KEY, "1000.000", ex=listening.TTL_SECONDS)
    listening._renew()
    assert listening.listening_since() == 1000.0
    assert 0 < r.ttl(listening.LISTENING_KEY) <= listening.TTL_SECONDS
    r.delete(listening.LISTENING_KEY)
    listening._renew()
    assert listening.listening_since() == pytest.approx(time.time(), abs=5)
    r.delete(listening.LISTENING_KEY)
