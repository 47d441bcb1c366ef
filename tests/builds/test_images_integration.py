"""Images through the whole platform: real builds on Docker, real registries, real containers.

Layers are per workspace and the platform is new each session, so the first test builds from
scratch and later ones reuse its layers: keep the shared prefix (`BASE`) unchanged.
"""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

import skylift
from skylift._build import BuildFailed, image_build
from skylift.exception import InvalidError
from tests.builds import conda_channel, image_app

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("remove_layers_afterwards")]

DATA = Path(__file__).parent / "data"
BASE = skylift.Image.debian_slim().run_commands("echo base > /opt/base.txt").env({"STAGE": "one"})


def _build(platform, image, user: str = "alice", capfd=None) -> dict:
    """Build `image` as `user`; returns the server's image record plus the build that ran (or None)."""
    before = _build_ids(platform)
    _, record = image_build(platform.client(user), image, show_logs=True)
    new = [b for b in _build_ids(platform) if b not in before]
    record["build"] = _build_row(platform, new[0]) if new else None
    return record


def _build_ids(platform) -> list[str]:
    return [row[0] for row in platform.sql("SELECT id FROM builds_build")]


def _build_row(platform, build_id: str) -> dict:
    status, steps, error = platform.sql(
        "SELECT status, steps, error FROM builds_build WHERE id = %s", [build_id]
    )[0]
    steps = steps if isinstance(steps, list) else json.loads(steps)
    return {"id": build_id, "status": status, "steps": [s["status"] for s in steps], "error": error}


def _layer_images() -> set[str]:
    import docker

    return {t for i in docker.from_env().images.list(name="skylift/layer") for t in i.tags}


def test_it_builds_an_image_once_and_then_resolves_it_without_docker(platform, capfd):
    # given an image that was built once, its log streamed to the terminal
    image = BASE.apt_install("jq").run_commands("jq --version > /opt/jq.txt")
    first = _build(platform, image)
    assert first["build"]["status"] == "succeeded"
    assert first["build"]["steps"] == ["cached", "built", "built", "built", "built"]
    out = capfd.readouterr().out
    assert "=> Step 3: apt_install(jq)" in out
    assert "Built image" in out
    layers = _layer_images()
    # when it is resolved again
    started = time.monotonic()
    second = _build(platform, image)
    elapsed = time.monotonic() - started
    # then no build ran and Docker made nothing new
    assert second["build"] is None
    assert second["id"] == first["id"] and second["status"] == "ready"
    assert _layer_images() == layers
    print(f"unchanged image resolved in {elapsed * 1000:.0f} ms")


def test_it_rebuilds_only_the_changed_last_step(platform):
    # given
    _build(platform, BASE.run_commands("echo v1 > /opt/last.txt"))
    # when only the last step changes
    result = _build(platform, BASE.run_commands("echo v2 > /opt/last.txt"))
    # then only that layer is built
    assert result["build"]["steps"] == ["cached", "cached", "cached", "built"]


def test_it_rebuilds_from_a_changed_middle_step(platform):
    # given
    tail = "echo tail > /opt/tail.txt"
    _build(platform, BASE.run_commands(tail))
    # when a middle step changes
    changed = skylift.Image.debian_slim().run_commands("echo base > /opt/base.txt").env({"STAGE": "two"})
    result = _build(platform, changed.run_commands(tail))
    # then the steps before it come from the cache, it and every step after it are built
    assert result["build"]["steps"] == ["cached", "cached", "built", "built"]


def test_it_rebuilds_a_forced_step_and_the_steps_after_it(platform):
    # given a built image
    image = skylift.Image.debian_slim().run_commands("echo f > /opt/f.txt")
    _build(platform, image.env({"F": "1"}).run_commands("date > /opt/when.txt"))
    # when its middle step is forced
    forced = image.env({"F": "1"}, force_build=True).run_commands("date > /opt/when.txt")
    result = _build(platform, forced)
    # then that step and the next rebuild, not the ones before
    assert result["build"]["steps"] == ["cached", "cached", "built", "built"]
    # and without the flag, the rebuilt layers are the cache
    again = _build(platform, image.env({"F": "1"}).run_commands("date > /opt/when.txt"))
    assert again["build"] is None


def test_it_attaches_local_files_at_start_and_bakes_them_with_copy(platform, tmp_path):
    # given a local file attached at start and one copied into a layer
    attached = tmp_path / "attached.txt"
    attached.write_text("first version\n")
    image = (
        BASE.add_local_file(DATA / "greeting.txt", "/opt/copied/greeting.txt", copy=True)
        .add_local_dir(DATA / "ctx", "/opt/ctx", ignore=["Dockerfile"])
        .add_local_file(attached, "/opt/attached.txt")
    )
    app = skylift.App(f"images-local-{uuid.uuid4().hex[:6]}")
    read = app.function(image=image, name="read")(image_app.read)
    # when functions run on it
    with app.run(client=platform.client("alice")):
        copied = read.remote("/opt/copied/greeting.txt")
        mounted = read.remote("/opt/attached.txt")
        ignored = read.remote("/opt/ctx/Dockerfile")
        kept = read.remote("/opt/ctx/message.txt")
    # then both are there, and the ignore pattern held
    assert copied == "hello from a local file\n"
    assert mounted == "first version\n"
    assert ignored is None and kept == "from the dockerfile context\n"
    # when the attached file changes, then the image does not rebuild and containers see the change
    attached.write_text("second version\n")
    assert _build(platform, image)["build"] is None
    with app.run(client=platform.client("alice")):
        assert read.remote("/opt/attached.txt") == "second version\n"


def test_it_keeps_what_run_function_writes(platform):
    # given an image with a run_function step
    image = BASE.run_function(image_app.write_marker, kwargs={"content": "from kwargs"})
    app = skylift.App(f"images-runfn-{uuid.uuid4().hex[:6]}")
    read = app.function(image=image, name="read")(image_app.read)
    # when a function runs on it
    with app.run(client=platform.client("alice")):
        # then the file the build step wrote is in the image
        assert read.remote("/opt/marker.txt") == "from kwargs\n"
    # and the step is cached while its source and kwargs stay the same
    assert _build(platform, image)["build"] is None
    changed = _build(platform, BASE.run_function(image_app.write_marker, kwargs={"content": "other"}))
    assert changed["build"]["steps"][-1] == "built"


def test_run_function_mounts_a_volume_that_stays_out_of_the_image(platform):
    # given a volume holding "weights", and a build step that reads them through it
    client = platform.client("alice")
    vol = skylift.Volume.from_name(f"build-{uuid.uuid4().hex[:6]}", create_if_missing=True).hydrate(client)
    with vol.batch_upload() as batch:
        batch.put_file(io.BytesIO(b"weights v2"), "/weights.txt")
    image = BASE.run_function(image_app.distil_from_volume, volumes={"/vol": vol})
    app = skylift.App(f"images-runfn-vol-{uuid.uuid4().hex[:6]}")
    read = app.function(image=image, name="read")(image_app.read)
    # when a function runs on the image
    with app.run(client=client):
        # then what the step made from the volume is in the image, and the volume itself is not
        assert read.remote("/opt/distilled.txt") == "WEIGHTS V2"
        assert read.remote("/vol/weights.txt") is None
    # and what the step wrote into the volume stayed there
    assert b"".join(vol.read_file("seen-by-build.txt")) == b"built"
    # and what the volume holds is not part of the step's identity: the layer stays cached
    with vol.batch_upload(force=True) as batch:
        batch.put_file(io.BytesIO(b"weights v3"), "/weights.txt")
    assert _build(platform, image)["build"] is None


def test_it_builds_a_conda_environment_for_micromamba_images(platform):
    # given the platform's conda channel, and an image that installs a conda package, then a pip one
    conda_channel.channel_for(platform)
    image = (
        skylift.Image.micromamba(python_version="3.11")
        .micromamba_install("skylift-conda-demo")
        .pip_install("six")
    )
    app = skylift.App(f"images-conda-{uuid.uuid4().hex[:6]}")
    info = app.function(image=image, name="conda_info")(image_app.conda_info)
    # when a function runs on it
    with app.run(client=platform.client("alice")):
        result = info.remote()
    # then its Python is the environment's, which has the conda package and the pip one
    assert result["executable"].startswith("/opt/conda/bin/python")
    assert result["prefix"] == "/opt/conda" == result["conda_prefix"]
    assert result["greeting"] == conda_channel.DEMO_GREETING
    assert result["six"].startswith("/opt/conda/")
    # and a later micromamba_install adds to the environment instead of replacing it
    more = (
        skylift.Image.micromamba(python_version="3.11")
        .micromamba_install("skylift-conda-demo")
        .micromamba_install("pip")
    )
    app = skylift.App(f"images-conda-more-{uuid.uuid4().hex[:6]}")
    read = app.function(image=more, name="read")(image_app.read)
    with app.run(client=platform.client("alice")):
        specs = json.loads(read.remote("/opt/skylift-conda/specs.json"))
    assert specs == ["python=3.11", "skylift-conda-demo", "pip"]  # a package asked for again moves last


def test_a_conda_package_no_channel_has_fails_its_step_with_the_solvers_words(platform):
    conda_channel.channel_for(platform)
    image = skylift.Image.micromamba(python_version="3.11").micromamba_install("no-such-package")
    with pytest.raises(BuildFailed, match="No candidates were found for no-such-package"):
        image_build(platform.client("alice"), image, show_logs=False)


def test_it_runs_build_methods_whose_output_enter_reads(platform):
    # given a class with @build methods (one stacked with @enter)
    app = skylift.App(f"images-cls-{uuid.uuid4().hex[:6]}", image=BASE)
    model = app.cls(name="Model")(image_app.Model)
    # when it runs
    with app.run(client=platform.client("alice")):
        result = model().predict.remote("x")
    # then @enter read what @build wrote into the image, and the stacked hook ran at start too
    assert result == "weights v1/True/x"
    steps = platform.sql("SELECT description FROM builds_layer WHERE description LIKE 'build(%%'")
    assert {
        "build(tests.builds.image_app.Model.download)",
        "build(tests.builds.image_app.Model.stacked)",
    } <= {s[0] for s in steps}


def test_it_builds_from_a_dockerfile_chained_with_pip_install(platform):
    # given a Dockerfile with COPY from its context, extended with a pip install from the index
    image = skylift.Image.from_dockerfile(DATA / "ctx" / "Dockerfile").pip_install("six==1.17.0")
    app = skylift.App(f"images-dockerfile-{uuid.uuid4().hex[:6]}")
    read = app.function(image=image, name="read")(image_app.read)
    env = app.function(image=image, name="env")(image_app.env)
    six = app.function(image=image, name="six")(image_app.import_six)
    # when functions run on it
    with app.run(client=platform.client("alice")):
        # then the Dockerfile's instructions and the pip install both took effect
        assert read.remote("/opt/copied.txt") == "from the dockerfile context\n"
        assert env.remote("FROM_DOCKERFILE") == "yes"
        assert six.remote() == "1.17.0"


def test_it_names_the_failing_step_with_its_output_and_caches_nothing(platform):
    # given
    image = BASE.run_commands("echo about to fail; echo boom-detail >&2; exit 3").run_commands("echo never")
    # when
    with pytest.raises(BuildFailed) as excinfo:
        image_build(platform.client("alice"), image, show_logs=False)
    # then the error names the step, its exit code and its output
    message = str(excinfo.value)
    assert "Step 3 (run_commands(echo about to fail; echo boom-detail >&2; exit 3)) failed" in message
    assert "exited with code 3" in message and "boom-detail" in message
    # and no layer was recorded for it, so the next try builds it again
    rows = platform.sql("SELECT count(*) FROM builds_layer WHERE description LIKE %s", ["%boom-detail%"])
    assert rows[0][0] == 0
    with pytest.raises(BuildFailed):
        image_build(platform.client("alice"), image, show_logs=False)


def test_it_refuses_an_entrypoint_that_does_not_exec_its_arguments(platform):
    image = BASE.entrypoint(["/bin/sh", "-c", "echo swallowed"])
    for _ in range(2):  # and keeps refusing it: the failed check is not cached as a ready image
        with pytest.raises(BuildFailed, match=r'did not run the command it was given.*exec "\$@"'):
            image_build(platform.client("alice"), image, show_logs=False)


def test_it_pulls_from_an_allowlisted_registry(platform, registries):
    # given a registry on loopback that the operator allowed ("localhost")
    image = skylift.Image.from_registry(registries["open"].ref("skylift/base:1")).run_commands(
        "echo pulled > /p"
    )
    # when
    result = _build(platform, image)
    # then
    assert result["build"]["status"] == "succeeded"
    assert result["python_version"] == "3.11"


def test_it_pulls_from_a_private_registry_with_a_secret(platform, registries):
    private = registries["private"]
    ref = private.ref("skylift/base:1")
    # without credentials the pull fails, and says why
    with pytest.raises(BuildFailed, match="could not pull"):
        image_build(platform.client("alice"), skylift.Image.from_registry(ref), show_logs=False)
    # with them it works, and the password never reaches the log
    secret = skylift.Secret.from_dict(
        {"REGISTRY_USERNAME": private.username, "REGISTRY_PASSWORD": private.password}
    )
    result = _build(platform, skylift.Image.from_registry(ref, secret=secret))
    assert result["status"] == "ready"
    logs = platform.sql("SELECT log FROM builds_build WHERE id = %s", [result["build"]["id"]])[0][0]
    assert private.password not in logs
    stored = platform.sql("SELECT spec::text FROM builds_image WHERE id = %s", [result["id"]])[0][0]
    assert private.password not in stored


def test_it_refuses_a_registry_on_a_loopback_address(platform, registries):
    # 127.0.0.1 is not on the allowlist (only "localhost" is)
    image = skylift.Image.from_registry(registries["open"].ref("skylift/base:1", host="127.0.0.1"))
    with pytest.raises(
        InvalidError, match=r"private or loopback address \(127\.0\.0\.1\).*SKYLIFT_REGISTRY_ALLOWLIST"
    ):
        image_build(platform.client("alice"), image, show_logs=False)


def test_it_makes_a_missing_debian_slim_base_for_another_python_on_demand(platform):
    import docker

    # given a build host without the Python 3.13 base (untagged; a cached root file system may stay)
    client = docker.from_env()
    try:
        client.images.remove("skylift/debian-slim:3.13", noprune=True)
    except docker.errors.ImageNotFound:
        pass
    image = skylift.Image.debian_slim(python_version="3.13").run_commands("python3 --version > /v")
    # when a function runs on it
    record = _build(platform, image)
    app = skylift.App(f"images-py313-{uuid.uuid4().hex[:6]}")
    version = app.function(image=image, name="python_version")(image_app.python_version)
    read = app.function(image=image, name="read")(image_app.read)
    with app.run(client=platform.client("alice")):
        # then the base was made (Debian trixie's Python), and the function runs on it
        assert version.remote().startswith("3.13.")
        assert read.remote("/v").startswith("Python 3.13.")
    assert record["python_version"] == "3.13"
    log = platform.sql("SELECT log FROM builds_build WHERE id = %s", [record["build"]["id"]])[0][0]
    assert "making the base image skylift/debian-slim:3.13" in log


def test_it_adds_a_python_of_its_own_to_an_image_without_one(platform, registries):
    # given an image with no Python at all (Debian bookworm, whose own Python would be 3.11)
    ref = registries["open"].ref("skylift/nopython:1")
    with pytest.raises(BuildFailed, match=r"no python3 on its PATH; pass add_python="):
        image_build(platform.client("alice"), skylift.Image.from_registry(ref), show_logs=False)
    # when Python 3.13 is added (the platform's own, relocated), setup commands run with it (one
    # removes OpenSSL's directory, as distributions other than Debian lack it), and a package is
    # installed with its pip
    setup = [
        'RUN python3 -c \'import sys; open("/setup.txt", "w").write(sys.version)\'',
        "RUN rm -rf /usr/lib/ssl",
    ]
    image = skylift.Image.from_registry(ref, add_python="3.13", setup_dockerfile_commands=setup).pip_install(
        "six"
    )
    record = _build(platform, image)
    app = skylift.App(f"images-add-python-{uuid.uuid4().hex[:6]}")
    version = app.function(image=image, name="python_version")(image_app.python_version)
    six = app.function(image=image, name="import_six")(image_app.import_six)
    libraries = app.function(image=image, name="libraries")(image_app.shared_libraries)
    read = app.function(image=image, name="read")(image_app.read)
    ca_certificates = app.function(image=image, name="ca_certificates")(image_app.ca_certificates)
    with app.run(client=platform.client("alice")):
        # then functions run on it, with what pip installed, on the bundle's own C library
        assert version.remote().startswith("3.13.")
        assert read.remote("/setup.txt").startswith("3.13.")
        assert six.remote()
        assert ca_certificates.remote() > 0  # it found the image's own CA bundle
        loaded = libraries.remote()
    assert record["python_version"] == "3.13"
    assert any(p.startswith("/opt/skylift-python/lib/so/libc.so") for p in loaded)
    assert all(p.startswith("/opt/skylift-python/") for p in loaded if ".so" in p), loaded


def test_it_refuses_unsupported_dockerfile_instructions_and_unknown_python(platform):
    alice = platform.users["alice"]
    with httpx.Client(base_url=platform.url, headers=alice.headers) as http:
        r = http.post(
            "/api/v1/images/", json={"base": "from_dockerfile", "dockerfile": "FROM x\nVOLUME /data\n"}
        )
        assert r.status_code == 400
        assert "VOLUME is not supported" in r.json()["error"]["message"]
        r = http.post("/api/v1/images/", json={"base": "debian_slim", "python_version": "3.7"})
        assert r.status_code == 400
        assert r.json()["error"]["message"] == "Python 3.7 cannot be provided by this server."
        assert r.json()["error"]["hint"] == "Available Python versions: 3.11, 3.13"


def test_it_answers_404_for_another_workspaces_image_and_build(platform):
    record = _build(platform, BASE.run_commands("echo tenancy > /t"))
    build_id = platform.sql("SELECT id FROM builds_build WHERE image_id = %s", [record["id"]])[0][0]
    charlie = platform.users["charlie"]
    with httpx.Client(base_url=platform.url, headers=charlie.headers) as http:
        for url in (
            f"/api/v1/images/{record['id']}/",
            f"/api/v1/builds/{build_id}/",
            f"/api/v1/builds/{build_id}/logs/",
        ):
            r = http.get(url)
            assert r.status_code == 404, url
        assert record["id"] not in http.get("/api/v1/images/").text
        assert build_id not in http.get("/api/v1/builds/").text


def test_it_shares_one_build_between_two_requests(platform):
    # given two clients asking for the same new image at once
    spec = {"base": "debian_slim", "steps": [{"kind": "run_commands", "commands": ["sleep 1; echo shared"]}]}
    alice = platform.users["alice"]
    answers = []

    def ask():
        with httpx.Client(base_url=platform.url, headers=alice.headers) as http:
            answers.append(http.post("/api/v1/images/", json=spec).json())

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then both got the same build
    assert len({a["build"]["id"] for a in answers}) == 1
    build_id = answers[0]["build"]["id"]
    for _ in range(300):
        if platform.sql("SELECT status FROM builds_build WHERE id = %s", [build_id])[0][0] == "succeeded":
            break
        time.sleep(0.1)
    assert (
        platform.sql("SELECT count(*) FROM builds_build WHERE image_id = %s", [answers[0]["image"]["id"]])[0][
            0
        ]
        == 1
    )


def test_it_collects_layers_nobody_used(platform):
    # given an image whose layers nobody used for 100 days
    record = _build(platform, skylift.Image.debian_slim().run_commands("echo old > /old"))
    layer_hash = record["layer_hash"]
    ref = f"skylift/layer:{layer_hash}"
    assert ref in _layer_images()
    platform.sql(
        "UPDATE builds_layer SET last_used_at = now() - interval '100 days' WHERE hash = %s", [layer_hash]
    )
    platform.sql(
        "UPDATE builds_image SET last_used_at = now() - interval '100 days' WHERE id = %s", [record["id"]]
    )
    # when the garbage collector runs
    out = platform.manage("collect_layers", "--unused-days", "30")
    # then that layer is gone, and the shared base layer of the workspace stays
    assert "layers_removed" in out
    assert ref not in _layer_images()
    assert not platform.sql("SELECT 1 FROM builds_layer WHERE hash = %s", [layer_hash])
