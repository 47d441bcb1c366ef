"""A function whose module cannot be imported remotely fails with the import error, not a hang."""

from __future__ import annotations

import pytest

from skylift.exception import ExecutionError
from tests.integration import broken_app

pytestmark = pytest.mark.integration


def test_it_fails_the_call_with_the_import_error_after_bounded_attempts(platform):
    # given a module that imports a package the image does not have
    with broken_app.app.run(client=platform.client("alice")):
        function_id = broken_app.never_runs.object_id
        # when / then
        with pytest.raises(ExecutionError, match="No module named 'psycopg'"):
            broken_app.never_runs.remote()
    # and the platform stopped trying: a bounded number of containers, all gone
    started = platform.sql("SELECT count(*) FROM functions_task WHERE function_id = %s", [function_id])[0][0]
    assert started == 3
