"""`manage.py host_agent`: the host agent of this machine.

It runs, together: the data-plane relay (asyncio, in this process), a Celery worker consuming
this host's own queue (a child process), a heartbeat renewing the host's lease with a watchdog
that fences the host when it cannot (hosts/lease.py), and a watcher of Docker `die` events that
records how containers ended and requeues what they were running (with a sweep every
SWEEP_SECONDS for the events it missed).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time

import uvloop
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from billing import metering
from billing.disk import DiskGauge
from hosts import docker_client, services, tokens
from hosts.lease import Lease
from hosts.relay import Relay
from hosts.relay_calls import ContainerCalls
from processes import specs
from vault.rotation import verify_at_start

log = logging.getLogger("skylift.agent")

SWEEP_SECONDS = 10.0


class Command(BaseCommand):
    help = "Run this machine's host agent (relay, container worker, heartbeat, container watcher)."

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=4, help="Container start/stop worker threads")

    def handle(self, *args, concurrency: int, **options):
        try:
            version = docker_client.engine_check()
        except docker_client.DockerUnavailable as exc:
            raise CommandError(str(exc)) from None
        try:
            verify_at_start()  # its relay gives containers their secrets: a wrong key stops it here
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        try:  # the host this agent serves, its queue and its row, are the ones its token names
            token = tokens.agent_token(
                presented=settings.SKYLIFT_HOST_TOKEN,
                declared_name=os.environ.get("SKYLIFT_HOST_NAME") or None,
                automatic=settings.SKYLIFT_HOST_TOKEN_AUTO,
                machine_name=settings.SKYLIFT_HOST_NAME,
            )
        except tokens.HostTokenError as exc:
            raise CommandError(str(exc)) from None
        settings.SKYLIFT_HOST_NAME = os.environ["SKYLIFT_HOST_NAME"] = token.host_name  # and its worker's
        host = services.host_register(name=token.host_name, token=token)
        log.info(
            "host %s registered with token %s (Docker %s, queue %s)", host.name, token.id, version, host.queue
        )
        services.reconcile_containers(host=host)

        command = specs.host_worker(queue=host.queue, concurrency=concurrency)
        stop = threading.Event()
        worker = _Child(command)
        refusals: list[tokens.HostTokenError] = []

        def refused(error: tokens.HostTokenError) -> None:
            refusals.append(error)
            os.kill(os.getpid(), signal.SIGTERM)  # the shutdown below, from the main thread

        lease = Lease(
            host,
            renew_every=settings.SKYLIFT_HEARTBEAT_SECONDS,
            length=host.lease_seconds,
            on_refused=refused,
        )
        threading.Thread(target=lease.run_heartbeat, args=(stop,), daemon=True, name="heartbeat").start()
        threading.Thread(target=lease.run_watchdog, args=(stop,), daemon=True, name="lease-watchdog").start()
        threading.Thread(target=self._watch, args=(host,), daemon=True, name="docker-events").start()
        threading.Thread(target=self._sweep, args=(host, stop), daemon=True, name="sweeper").start()
        threading.Thread(target=self._guard, args=(stop,), daemon=True, name="firewall").start()
        if settings.SKYLIFT_METER_SECONDS > 0:
            threading.Thread(target=self._meter, args=(host, stop), daemon=True, name="metering").start()
        threading.Thread(target=worker.keep_running, args=(stop,), daemon=True, name="worker-keeper").start()

        def shutdown(signum, frame):
            stop.set()
            worker.terminate()
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, shutdown)
        try:
            uvloop.run(Relay(calls=ContainerCalls).serve())  # libuv's loop: faster socket I/O for the relay
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            worker.stop()
        if refusals:
            raise CommandError(f"this agent stopped: {refusals[0]}")

    def _guard(self, stop: threading.Event) -> None:
        """Every SKYLIFT_FIREWALL_CHECK_SECONDS: the isolating network and the host's rules for it
        are put back if a firewall reload or a flush removed them, whether or not a container
        starts meanwhile (hosts/firewall.py)."""
        while not stop.wait(settings.SKYLIFT_FIREWALL_CHECK_SECONDS):
            try:
                docker_client.container_network()
            except Exception:  # noqa: BLE001 - said in the log; container starts refuse meanwhile
                log.exception("the host's firewall rules could not be checked")

    def _meter(self, host, stop: threading.Event) -> None:
        """Every SKYLIFT_METER_SECONDS: this host's containers' usage into billing (billing/metering.py)."""
        disk = DiskGauge(host.name, every=settings.SKYLIFT_METER_DISK_SECONDS)
        while not stop.wait(settings.SKYLIFT_METER_SECONDS):
            try:
                close_old_connections()
                metering.meter_host(host.id, disk=disk)
            except Exception:  # noqa: BLE001 - the next round meters the same seconds
                log.warning("metering failed", exc_info=True)

    def _sweep(self, host, stop: threading.Event) -> None:
        """Every SWEEP_SECONDS: settle running tasks whose container went without a `die` event seen."""
        while not stop.wait(SWEEP_SECONDS):
            try:
                close_old_connections()
                services.sweep_containers(host=host)
            except Exception:  # noqa: BLE001 - the next sweep tries again
                log.warning("container sweep failed", exc_info=True)

    def _watch(self, host) -> None:
        while True:
            try:
                for event in docker_client.die_events(f"skylift.host={host.name}"):
                    attrs = event.get("Actor", {}).get("Attributes", {})
                    if attrs.get(services.SANDBOX_LABEL):
                        state = (docker_client.inspect(event["Actor"]["ID"]) or {}).get("State", {})
                        close_old_connections()
                        services.sandbox_exited(
                            sandbox_id=attrs[services.SANDBOX_LABEL],
                            exit_code=int(attrs.get("exitCode", state.get("ExitCode", -1))),
                            oom=bool(state.get("OOMKilled")),
                        )
                        continue
                    task_id = attrs.get("skylift.task")
                    if not task_id:
                        continue
                    state = (docker_client.inspect(event["Actor"]["ID"]) or {}).get("State", {})
                    close_old_connections()
                    services.container_exited(
                        task_id=task_id,
                        exit_code=int(attrs.get("exitCode", state.get("ExitCode", -1))),
                        oom=bool(state.get("OOMKilled")),
                    )
            except Exception:  # noqa: BLE001 - reconnect to the engine and keep watching
                log.warning("docker event stream failed; reconnecting", exc_info=True)
                time.sleep(1)


class _Child:
    """The agent's Celery worker process, started again whenever it exits until the agent stops.

    Celery's worker can die on its own (a broker connection lost while tasks are in flight has been
    seen to end it with an unrecoverable error); without it this host could start no container.
    """

    def __init__(self, command: list[str]):
        self.command = command
        self.lock = threading.Lock()
        self.proc = self._start()

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen(self.command, env=os.environ.copy())

    def keep_running(self, stop: threading.Event) -> None:
        while not stop.wait(1.0):
            with self.lock:
                if self.proc.poll() is not None and not stop.is_set():
                    log.warning("the container worker exited (%s); starting it again", self.proc.returncode)
                    self.proc = self._start()

    def terminate(self) -> None:
        with self.lock:
            self.proc.terminate()

    def stop(self) -> None:
        with self.lock:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
