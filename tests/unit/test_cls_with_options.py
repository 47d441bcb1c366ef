"""`Cls.with_options()`: a variant of a class with other resources, stacked as Modal's (no server needed)."""

from __future__ import annotations

import skylift

app = skylift.App("with-options")


@app.cls(cpu=1)
class Model:
    @skylift.method()
    def predict(self, x: int) -> int:
        return x


def test_it_stacks_with_options_on_a_class():
    # when options are given, then options again on top
    variant = Model.with_options(cpu=2).with_options(max_containers=3)
    # then the variant has both, and the class itself is unchanged
    assert variant._variant.overrides["cpu"] == 2
    assert variant._variant.overrides["max_containers"] == 3
    assert variant._root() is Model
    assert Model._variant.overrides == {}
