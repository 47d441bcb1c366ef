"""Force rebuild from the API (the Builds page's button): a new build of the same image with every
layer built anew; a build whose inline secret values are not kept cannot be rebuilt here."""

from __future__ import annotations

from builds.models import Build, BuildStatus


def test_it_rebuilds_a_builds_image_without_the_cache(trio, objects_a):
    response = trio.alice.api.post(f"/api/v1/builds/{objects_a.build.id}/rebuild/")
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["image"]["id"] == objects_a.build.image_id
    assert made["build"]["id"] != objects_a.build.id
    assert made["build"]["force"] is True
    assert Build.objects.filter(image_id=objects_a.build.image_id).count() == 2


def test_it_refuses_a_build_whose_secret_values_were_inline(trio, objects_a):
    spec = {
        **objects_a.build.spec,
        "steps": [{"kind": "run_commands", "commands": ["true"], "secret_names": ["K"]}],
    }
    build = Build.objects.create(
        workspace=objects_a.app.workspace,
        image=objects_a.build.image,
        spec=spec,
        status=BuildStatus.SUCCEEDED,
        created_by=trio.alice.user,
    )
    response = trio.alice.api.post(f"/api/v1/builds/{build.id}/rebuild/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "secrets_not_kept"
    assert Build.objects.filter(image=objects_a.build.image).count() == 2  # nothing started
