"""GET /apps/{id}/rollback-preview/: what a rollback would change, from the live version to the target,
and the restore contract; nothing is changed."""

from __future__ import annotations

import hashlib
import io
import tarfile

import pytest

from apps import deployments, previews
from apps.models import AppVersion
from builds.models import Image
from functions import services as function_services

from .support import db_snapshot


@pytest.fixture(autouse=True)
def _no_warm_wait(settings):
    # v2 keeps a container warm and there is no host in these tests: it goes live at once instead
    # of after SKYLIFT_DEPLOY_WARM_SECONDS (30 s) of waiting for one.
    settings.SKYLIFT_DEPLOY_WARM_SECONDS = 0


def _mount(member, files: dict[str, bytes]) -> str:
    """A package uploaded as the SDK does (a tar of its files); its sha256."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path, data in sorted(files.items()):
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    content = buf.getvalue()
    sha = hashlib.sha256(content).hexdigest()
    function_services.mount_store(workspace=member.workspace, sha256=sha, content=content)
    return sha


def _function(name: str, sha: str, **options) -> dict:
    return {"name": name, "module": "pkg.core", "qualname": name, "mount_sha256": sha, **options}


def _deploy(member, functions: list[dict]):
    return deployments.app_deploy(
        workspace=member.workspace, user=member.user, name="previewed", environment=None, functions=functions
    )


def _two_versions(member):
    one = _mount(
        member,
        {
            "pkg/__init__.py": b"",
            "pkg/core.py": b"def square(x):\n    return x * x\n\n\ndef cube(x):\n    return x**3\n",
            "pkg/old.py": b"OLD = 1\n",
            "pkg/data.bin": b"\x00\x01\x02",
        },
    )
    two = _mount(
        member,
        {
            "pkg/__init__.py": b"",
            "pkg/core.py": b"def square(x):\n    return x ** 2\n\n\ndef extra(x):\n    return x\n",
            "pkg/new.py": b"NEW = 1\n",
            "pkg/data.bin": b"\x00\x01\x03",
        },
    )
    _deploy(member, [_function("square", one), _function("cube", one)])
    return _deploy(member, [_function("square", two, memory=512, min_containers=1), _function("extra", two)])


def test_it_shows_the_source_diff_functions_and_settings_and_changes_nothing(trio):
    # given v1, and a live v2 with other source files, functions and settings
    app = _two_versions(trio.alice).app
    before = db_snapshot()
    # when bob (a member: reading is enough) previews a rollback to v1
    response = trio.bob.api.get(f"/api/v1/apps/{app.id}/rollback-preview/?version=v1")
    # then
    assert response.status_code == 200, response.content[:300]
    preview = response.json()
    assert (preview["live"]["number"], preview["target"]["number"], preview["new_number"]) == (2, 1, 3)
    assert preview["identical"] is False
    assert (preview["added"], preview["removed"]) == (["cube"], ["extra"])
    # the source files, as the rollback would change them (from v2 to v1)
    files = {f["path"]: f for f in preview["files"]}
    assert {p: f["change"] for p, f in files.items()} == {
        "pkg/core.py": "modified",
        "pkg/data.bin": "modified",
        "pkg/new.py": "removed",
        "pkg/old.py": "added",
    }
    core = files["pkg/core.py"]["diff"].splitlines()
    assert core[:2] == ["--- v2/pkg/core.py", "+++ v1/pkg/core.py"]
    assert "-    return x ** 2" in core and "+    return x * x" in core
    assert "+def cube(x):" in core and "-def extra(x):" in core
    assert files["pkg/data.bin"]["binary"] is True and files["pkg/data.bin"]["diff"] == ""
    assert files["pkg/data.bin"]["note"] == "binary file"
    assert "+OLD = 1" in files["pkg/old.py"]["diff"].splitlines()
    # the settings of the function both versions have
    (square,) = preview["changed"]
    assert square["name"] == "square"
    changes = {c["field"]: (c["category"], c["live"], c["target"]) for c in square["changes"]}
    assert changes == {"memory": ("resources", 512, 128), "min_containers": ("autoscaler", 1, 0)}
    assert "-memory: 512" in square["diff"].splitlines() and "+memory: 128" in square["diff"].splitlines()
    # and the restore contract, in words
    assert any(item.startswith("code") for item in preview["restores"])
    assert any("volume" in item for item in preview["does_not_restore"])
    assert any("secret values" in item for item in preview["does_not_restore"])
    assert any("finish on the version they started on" in item for item in preview["does_not_restore"])
    # and nothing changed: v2 is still live
    assert db_snapshot() == before


def test_it_previews_the_previous_version_by_default(trio):
    app = _two_versions(trio.alice).app
    response = trio.alice.api.get(f"/api/v1/apps/{app.id}/rollback-preview/")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["target"]["number"] == 1


def test_it_names_the_versions_that_exist_for_an_unknown_one(trio):
    app = _two_versions(trio.alice).app
    # when
    unknown = trio.alice.api.get(f"/api/v1/apps/{app.id}/rollback-preview/?version=9")
    live = trio.alice.api.get(f"/api/v1/apps/{app.id}/rollback-preview/?version=2")
    garbled = trio.alice.api.get(f"/api/v1/apps/{app.id}/rollback-preview/?version=last")
    # then
    assert unknown.status_code == 404, unknown.content[:300]
    assert unknown.json()["error"]["message"] == "The app 'previewed' has no version v9."
    assert "v2, v1" in unknown.json()["error"]["hint"]
    assert live.status_code == 409 and "live version" in live.json()["error"]["message"]
    assert garbled.status_code == 400 and garbled.json()["error"]["field"] == "version"


def test_it_refuses_an_app_that_was_never_deployed(trio, objects_a):
    response = trio.alice.api.get(f"/api/v1/apps/{objects_a.app.id}/rollback-preview/")
    assert response.status_code == 409, response.content[:300]
    assert "is not deployed" in response.json()["error"]["message"]


def test_it_shows_image_steps_and_any_field_a_version_records(trio):
    # given a v1 recorded with another image and settings that later servers record (secret names,
    # a schedule), as its spec would hold them
    deployed = _two_versions(trio.alice)
    v1 = AppVersion.objects.get(app=deployed.app, number=1)
    live_image = Image.objects.get(id=deployed.version.spec["functions"][0]["image_id"])
    numpy = Image.objects.create(
        workspace=trio.alice.workspace,
        spec={**live_image.spec, "steps": [{"kind": "pip_install", "packages": ["numpy==2.1.0"]}]},
        spec_hash="with-numpy",
        python_version=live_image.python_version,
    )
    functions = [
        {**f, "image_id": numpy.id, "secret_names": ["db"], "definition": {"schedule": {"cron": "0 * * * *"}}}
        if f["name"] == "square"
        else f
        for f in v1.spec["functions"]
    ]
    AppVersion.objects.filter(pk=v1.pk).update(spec={**v1.spec, "functions": functions})
    # when
    preview = previews.preview_rollback(app=deployed.app, number=1)
    # then
    (square,) = preview.changed
    changes = {c.field: c for c in square.changes}
    assert changes["image"].category == "image"
    assert changes["image"].target[-1] == "pip_install(numpy==2.1.0)"
    assert "+image: pip_install(numpy==2.1.0)" in square.diff.splitlines()
    assert (changes["secret_names"].live, changes["secret_names"].target) == (None, ["db"])
    assert changes["definition.schedule"].category == "definition"
    assert '+definition.schedule: {"cron": "0 * * * *"}' in square.diff.splitlines()
