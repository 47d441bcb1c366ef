"""POST /functions/{id}/variants/: a function with other options, or another concurrency or batching
(`with_options`, `with_concurrency`, `with_batching`), is a function of its own."""

from __future__ import annotations

from functions.models import Function

from .support import row_counts


def _variant(trio, function, options: dict):
    return trio.alice.api.post(
        f"/api/v1/functions/{function.id}/variants/", {"options": options}, format="json"
    )


def test_it_makes_a_variant_with_its_own_definition_and_target(trio, objects_a):
    # given
    definition = {**objects_a.function.definition, "concurrency": {"max_inputs": 8, "target_inputs": 4}}
    # when
    response = _variant(trio, objects_a.function, {"timeout": 30, "definition": definition})
    again = _variant(trio, objects_a.function, {"timeout": 30, "definition": definition})
    # then
    assert response.status_code == 200, response.content[:300]
    variant = Function.objects.get(id=response.json()["id"])
    assert variant.parent_id == objects_a.function.id
    assert (variant.definition, variant.target_inputs, variant.timeout) == (definition, 4, 30)
    assert again.json()["id"] == variant.id  # the same overrides, the same variant
    objects_a.function.refresh_from_db()
    assert "concurrency" not in objects_a.function.definition


def test_it_refuses_a_definition_that_is_not_an_object_and_creates_nothing(trio, objects_a):
    before = row_counts()
    response = _variant(trio, objects_a.function, {"definition": [1, 2]})
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["field"] == "options"
    assert "options.definition must be an object" in response.json()["error"]["message"]
    assert row_counts() == before
