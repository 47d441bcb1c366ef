"""F6 and F8: Redis wiped and database sessions killed in the middle of a map.

Each is checked by the ledger: the map returns every result, right and in order; the call holds
exactly the inputs sent, each once, all succeeded; and the fault is shown to have bitten.
"""

from __future__ import annotations

import hashlib
import threading

import pytest

from tests.delivery import calls_app
from tests.delivery.calls_app import app
from tests.fixtures.live_platform import wait_for

pytestmark = pytest.mark.integration

N = 300


@pytest.fixture(scope="module")
def running(platform):
    with app.run(client=platform.client("alice")):
        yield platform


def _map_in_background() -> tuple[threading.Thread, dict]:
    out: dict = {}

    def run():
        try:
            out["results"] = list(calls_app.paced.map(range(N)))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            out["error"] = exc

    thread = threading.Thread(target=run, name="map")
    thread.start()
    return thread, out


def _call_of_the_map(platform) -> str:
    rows = wait_for(
        lambda: platform.sql(
            "SELECT c.id FROM functions_functioncall c JOIN functions_function f ON f.id = c.function_id"
            " WHERE f.name = 'paced' AND c.kind = 'map' AND c.finished_at IS NULL"
        ),
        lambda r: r,
    )
    return rows[0][0]


def _succeeded(platform, call_id: str) -> int:
    return platform.sql(
        "SELECT count(*) FROM functions_input WHERE call_id = %s AND status = 'succeeded'", [call_id]
    )[0][0]


def _ledger_holds(platform, call_id: str, out: dict) -> None:
    assert "error" not in out, out.get("error")
    assert out["results"] == [hashlib.sha256(str(x).encode()).hexdigest() for x in range(N)]
    rows = platform.sql("SELECT idx, status FROM functions_input WHERE call_id = %s ORDER BY idx", [call_id])
    assert [r[0] for r in rows] == list(range(N))
    assert {r[1] for r in rows} == {"succeeded"}


def test_f6_a_map_survives_redis_restarting_empty(running):
    # given a map under way
    thread, out = _map_in_background()
    call_id = _call_of_the_map(running)
    wait_for(lambda: _succeeded(running, call_id), lambda n: n >= 20)
    # when Redis dies and comes back empty: queues, wake-ups and counters gone
    running.restart_redis()
    thread.join(timeout=600)
    # then nothing accepted is lost: the reconciler pushed the stranded inputs again (proof it ran)
    _ledger_holds(running, call_id, out)
    repushed = int(running.redis().hget("skylift:stats", "stranded_inputs_repushed") or 0)
    assert repushed > 0


def test_f8_a_map_survives_its_database_sessions_being_killed(running):
    # given a map under way
    thread, out = _map_in_background()
    call_id = _call_of_the_map(running)
    killed = 0
    # when every session of the platform's database is terminated, three times over
    for target in (20, 60, 120):
        wait_for(
            lambda t=target: _succeeded(running, call_id), lambda n, t=target: n >= t or not thread.is_alive()
        )
        killed += running.sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )[0][0]
    thread.join(timeout=600)
    # then the map completes, each input once, and the fault really bit
    _ledger_holds(running, call_id, out)
    assert killed > 0
