"""Image services against the database (no Docker, no Celery): caching, shared builds, errors."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from accounts.services import workspace_create
from builds import services
from builds.models import Build, Image, Layer
from builds.spec import plan_image
from config.errors import ApiError
from vault import keys

pytestmark = pytest.mark.django_db

SPEC = {"base": "debian_slim", "steps": [{"kind": "run_commands", "commands": ["echo hi > /hi"]}]}


@pytest.fixture
def workspace():
    user = User.objects.create(username="builder")
    return workspace_create(name="builds-ws", owner=user)


@pytest.fixture(autouse=True)
def _no_docker(monkeypatch):
    monkeypatch.setattr(services, "_docker_has", lambda ref: True)


def test_it_resolves_a_base_only_image_at_once(workspace):
    resolved = services.image_ensure(workspace=workspace, spec={"base": "debian_slim"})
    assert resolved.build is None
    assert resolved.image.docker_ref == "skylift/debian-slim:3.11"
    assert services.image_resolve(workspace=workspace, spec={"base": "debian_slim"}).pk == resolved.image.pk


def test_it_starts_one_build_for_many_requests_of_the_same_image(
    workspace, django_capture_on_commit_callbacks
):
    # when the same new image is asked for twice
    with django_capture_on_commit_callbacks() as callbacks:
        first = services.image_ensure(workspace=workspace, spec=SPEC)
        second = services.image_ensure(workspace=workspace, spec=SPEC)
    # then there is one build, queued once
    assert first.build is not None and second.build is not None
    assert first.build.pk == second.build.pk
    assert Build.objects.count() == 1
    assert len(callbacks) == 1
    assert first.image.status == "building"


def test_it_answers_409_to_a_function_on_an_image_being_built(workspace):
    with pytest.raises(ApiError) as excinfo:
        services.image_resolve(workspace=workspace, spec=SPEC)
    assert excinfo.value.status_code == 409
    assert excinfo.value.error_code == "image_not_ready"


def test_it_reuses_built_layers_without_a_build(workspace, django_assert_max_num_queries):
    # given every layer of the image recorded as built
    plan = plan_image(
        workspace_id=str(workspace.pk), spec=SPEC, python_versions={"3.11": "skylift/debian-slim:3.11"}
    )
    base, step = plan.layers
    Layer.objects.create(
        hash=base.hash,
        workspace=workspace,
        step={},
        docker_ref="skylift/debian-slim:3.11",
        docker_id="sha256:base",
    )
    Layer.objects.create(
        hash=step.hash,
        workspace=workspace,
        step={},
        docker_ref=f"skylift/layer:{step.hash}",
        docker_id="sha256:one",
        parent_docker_id="sha256:base",
        python_version="3.11",
    )
    # when it is resolved, then no build starts and it takes a handful of queries
    with django_assert_max_num_queries(8):
        resolved = services.image_ensure(workspace=workspace, spec=SPEC)
    assert resolved.build is None
    assert resolved.image.status == "ready" and resolved.image.docker_ref == f"skylift/layer:{step.hash}"
    # when its parent was rebuilt since (another docker id), the layer is stale: a build starts
    Layer.objects.filter(hash=base.hash).update(docker_id="sha256:rebuilt")
    assert services.image_ensure(workspace=workspace, spec=SPEC).build is not None


def test_it_refuses_files_that_were_not_uploaded(workspace):
    spec = {"base": "debian_slim", "mounts": [{"sha256": "c" * 64, "target": "/data", "type": "dir"}]}
    with pytest.raises(ApiError) as excinfo:
        services.image_ensure(workspace=workspace, spec=spec)
    assert excinfo.value.status_code == 404
    assert Image.objects.count() == 0


def test_it_keeps_secret_values_out_of_what_it_stores(workspace):
    spec = {
        "base": "debian_slim",
        "steps": [{"kind": "run_commands", "commands": ["true"], "secrets": [{"TOKEN": "hunter2-value"}]}],
    }
    resolved = services.image_ensure(workspace=workspace, spec=spec)
    assert "hunter2-value" not in str(resolved.image.spec)
    assert "hunter2-value" not in str(Build.objects.get().spec)
    # until the build ends, encrypted
    token = bytes(Build.objects.get().secrets_token)
    assert b"hunter2-value" not in token
    assert keys.decrypt(token) == {"1": {"TOKEN": "hunter2-value"}}


def test_it_fails_abandoned_builds_and_drops_their_secrets(workspace):
    from datetime import timedelta

    from django.utils import timezone

    spec = {
        "base": "debian_slim",
        "steps": [{"kind": "run_commands", "commands": ["true"], "secrets": [{"TOKEN": "hunter2-value"}]}],
    }
    running = services.image_ensure(workspace=workspace, spec=spec).build
    queued = services.image_ensure(
        workspace=workspace, spec={**spec, "steps": [{**spec["steps"][0], "commands": ["false"]}]}
    ).build
    fresh = services.image_ensure(
        workspace=workspace, spec={**spec, "steps": [{**spec["steps"][0], "commands": [":"]}]}
    ).build
    Build.objects.filter(pk=running.pk).update(
        status="running", heartbeat_at=timezone.now() - timedelta(minutes=10)
    )
    Build.objects.filter(pk=queued.pk).update(created_at=timezone.now() - timedelta(hours=2))
    # when
    swept = services.sweep_abandoned_builds()
    # then the worker-less and the never-started fail, their secrets gone; the fresh one waits on
    assert swept == 2
    for gone in (running, queued):
        row = Build.objects.get(pk=gone.pk)
        assert (row.status, row.secrets_token) == ("failed", None)
    assert "worker went away" in Build.objects.get(pk=running.pk).error
    assert "not started within 60 minutes" in Build.objects.get(pk=queued.pk).error
    assert Build.objects.get(pk=fresh.pk).status == "queued" and Build.objects.get(pk=fresh.pk).secrets_token


def test_it_fails_a_build_whose_worker_went_away_and_starts_another(workspace):
    from datetime import timedelta

    from django.utils import timezone

    first = services.image_ensure(workspace=workspace, spec=SPEC).build
    Build.objects.filter(pk=first.pk).update(
        status="running", heartbeat_at=timezone.now() - timedelta(minutes=10)
    )
    second = services.image_ensure(workspace=workspace, spec=SPEC).build
    assert second.pk != first.pk
    assert Build.objects.get(pk=first.pk).status == "failed"
    assert "worker went away" in Build.objects.get(pk=first.pk).error


def test_it_masks_secret_values_in_build_logs():
    from builds.logs import BuildLog

    log = BuildLog("bu-test", secrets=["hunter2-value"])
    log.flush = lambda: None  # no Redis needed
    log.line("token is hunter2-value, ok")
    assert log.text == "token is ***, ok"


def test_a_failed_steps_error_masks_the_secret_values_its_output_printed(workspace):
    from builds.logs import BuildLog

    # given a build of a step given a secret, whose output printed the value before it failed
    spec = {
        "base": "debian_slim",
        "steps": [{"kind": "run_commands", "commands": ["false"], "secrets": [{"TOKEN": "hunter2-value"}]}],
    }
    build = services.image_ensure(workspace=workspace, spec=spec).build
    sink = BuildLog(build.id, secrets=["hunter2-value"])
    # when it fails with that output in its error
    services._finish_failed(build, "Step 1 failed:\n--- output ---\nTOKEN=hunter2-value\n", 1, sink)
    # then neither the build's nor the image's error holds the value
    build.refresh_from_db()
    assert "TOKEN=***" in build.error and "hunter2-value" not in build.error
    assert "hunter2-value" not in Image.objects.get(pk=build.image_id).error


GPU_SPEC = {
    "base": "debian_slim",
    "steps": [{"kind": "run_commands", "commands": ["nvidia-smi > /gpu.txt"], "gpu": "A100"}],
}


def _host(name: str, gpus: list[str], *, alive: bool = True):
    from datetime import timedelta

    from django.utils import timezone

    from hosts.models import Host

    expires = timezone.now() + timedelta(seconds=60 if alive else -60)
    return Host.objects.create(name=name, cpu=2, memory=4096, gpus=gpus, lease_expires_at=expires)


def test_it_refuses_a_gpu_step_that_no_host_can_build_and_records_nothing(workspace):
    # given a platform whose only host has no GPU
    _host("cpu-only", [])
    # when an image with a step that needs an A100 is asked for
    with pytest.raises(ApiError) as excinfo:
        services.image_ensure(workspace=workspace, spec=GPU_SPEC)
    # then it is refused, naming the step and what there is, and nothing was recorded
    assert excinfo.value.status_code == 400
    assert str(excinfo.value) == (
        "run_commands(nvidia-smi > /gpu.txt) asks for the GPU 'A100', which no live host of this "
        "platform has (GPUs available: none)."
    )
    assert Build.objects.count() == 0 and Image.objects.count() == 0


def test_it_sends_a_gpu_build_to_a_live_host_that_has_the_gpu(workspace, django_capture_on_commit_callbacks):
    import json

    import redis
    from django.conf import settings

    # given hosts without the GPU, with it but lost, and with it and alive
    _host("cpu-only", [])
    _host("gpu-lost", ["A100"], alive=False)
    _host("gpu-box", ["A100", "A100"])
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("host.gpu-box", "host.gpu-lost")
    try:
        # when the image is asked for
        with django_capture_on_commit_callbacks(execute=True):
            resolved = services.image_ensure(workspace=workspace, spec=GPU_SPEC)
        # then its build task waits on the live GPU host's own queue, and on no other
        messages = [json.loads(m) for m in broker.lrange("host.gpu-box", 0, -1)]
        assert [m["headers"]["task"] for m in messages] == ["builds.tasks.build_image"]
        assert resolved.build.pk in messages[0]["headers"]["kwargsrepr"]
        assert broker.llen("host.gpu-lost") == 0
    finally:
        broker.delete("host.gpu-box")
    # and a build without a GPU step goes to any builder
    plan = services._plan(workspace=workspace, spec=SPEC)
    assert services.build_queue(plan) == "builds"


def test_it_refuses_gpu_steps_that_only_a_lost_host_or_no_single_host_can_build(workspace):
    # given an A100 only on a lost host, and an H100 and an L4 on two different live hosts
    _host("gpu-lost", ["A100"], alive=False)
    _host("h100-box", ["H100"])
    _host("l4-box", ["L4"])
    a100 = {"base": "debian_slim", "steps": [{"kind": "run_commands", "commands": ["true"], "gpu": "A100"}]}
    both = {
        "base": "debian_slim",
        "steps": [
            {"kind": "run_commands", "commands": ["one"], "gpu": "H100"},
            {"kind": "run_commands", "commands": ["two"], "gpu": "L4"},
        ],
    }
    # then neither can be built, and each refusal says why
    with pytest.raises(
        ApiError, match=r"'A100', which no live host of this platform has \(GPUs available: H100, L4\)"
    ):
        services.image_ensure(workspace=workspace, spec=a100)
    with pytest.raises(ApiError, match="ask for the GPUs H100, L4, which no single live host has together"):
        services.image_ensure(workspace=workspace, spec=both)
    assert Build.objects.count() == 0
