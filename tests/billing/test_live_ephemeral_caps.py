"""Ephemeral apps and the caps on the real platform, through the SDK and the CLI: `app.run()` and
`skylift run` do not start while the workspace's cap is reached, and a run whose min_containers
alone exceed the cap is refused unless forced."""

from __future__ import annotations

import textwrap

import pytest

from skylift._import_file import import_file
from skylift.exception import InvalidError, ResourceExhaustedError
from tests.billing import billing_app
from tests.billing.test_live_usage import _cli

pytestmark = pytest.mark.integration

WARM = textwrap.dedent(
    """
    import skylift

    app = skylift.App("it-warm-run")


    @app.function(cpu=1, memory=1024, min_containers=1)
    def f(x: int) -> int:
        return x * 2


    @app.local_entrypoint()
    def main():
        print("doubled", f.remote(21))
    """
)


def test_runs_are_refused_at_the_cap_and_over_it_by_their_warm_containers(platform, tmp_path):
    runner = platform.create_user("runner", "runner-ws")
    client = platform.client("runner")
    # given a workspace budget of $0 a month: reached at once
    client.budget_set(app_id=None, limit_usd=0)
    # when app.run() starts, then it is refused before anything is created, naming the cap
    with pytest.raises(ResourceExhaustedError, match=r"The workspace's monthly cap of \$0\.00 is reached"):
        with billing_app.app.run(client=client):
            pass
    # and `skylift run` says so too
    source = tmp_path / "warm_run.py"
    source.write_text(WARM)
    refused = _cli(platform, tmp_path, runner, "run", str(source))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "No new app can start: The workspace's monthly cap of $0.00 is reached" in refused.stderr
    assert platform.sql(
        "SELECT count(*) FROM skylift_apps_app a JOIN accounts_workspace w ON w.id = a.workspace_id "
        "WHERE w.name = 'runner-ws'"
    ) == [(0,)]

    # given a budget of $1 a month instead, and an app keeping 1 core and 1 GiB warm ($36 a month idle)
    client.budget_set(app_id=None, limit_usd=1)
    # when it is run, then it is refused as a deploy would be, saying how to run it anyway
    over = _cli(platform, tmp_path, runner, "run", str(source))
    assert over.returncode == 1, over.stdout + over.stderr
    assert (
        "The workspace's monthly cap of $1.00 would be exceeded by it-warm-run's idle cost alone"
        in over.stderr
    )
    assert "`skylift run --force`" in over.stderr
    with pytest.raises(InvalidError, match=r"app\.run\(force=True\)"):
        with import_file(str(source)).app.run(client=client):
            pass
    # and forced, it runs
    forced = _cli(platform, tmp_path, runner, "run", str(source), "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "doubled 42" in forced.stdout
