"""`skylift deploy` on the real platform prints what the app costs idle and what the cap allows, and
refuses a deploy whose idle containers alone would exceed the cap, naming both."""

from __future__ import annotations

import textwrap

import pytest

from tests.billing.test_live_usage import _cli

pytestmark = pytest.mark.integration

APP = textwrap.dedent(
    """
    import skylift

    app = skylift.App("it-warm")


    @app.function(cpu=1, memory=1024, min_containers={warm})
    def f(x: int) -> int:
        return x
    """
)


def test_deploy_prints_the_idle_cost_and_refuses_one_over_the_cap(platform, tmp_path):
    warmer = platform.create_user("warmer", "warm-ws")
    platform.client("warmer").budget_set(app_id=None, limit_usd=1.0)
    source = tmp_path / "warm_app.py"
    # when an app keeping one container of 1 core and 1 GiB warm (about $36 a month) is deployed
    source.write_text(APP.format(warm=1))
    refused = _cli(platform, tmp_path, warmer, "deploy", str(source))
    # then it is refused, naming the cap and the idle cost, and saying how to deploy anyway
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert (
        "The workspace's monthly cap of $1.00 would be exceeded by it-warm's idle cost alone: $"
        in refused.stderr
    )
    assert "skylift deploy --force" in refused.stderr
    assert platform.sql("SELECT count(*) FROM skylift_apps_app WHERE name = 'it-warm'") == [(0,)]
    # when it keeps none warm, it deploys and prints its idle cost and what the cap allows
    source.write_text(APP.format(warm=0))
    deployed = _cli(platform, tmp_path, warmer, "deploy", str(source))
    assert deployed.returncode == 0, deployed.stderr
    assert (
        "Idle cost: $0.0000 an hour, $0.00 a month (0 containers kept warm by min_containers)"
        in deployed.stdout
    )
    assert "The workspace's monthly cap of $1.00 allows $0.0014 an hour" in deployed.stdout

    # when it is deployed keeping one warm with --force (v2), then keeping none again (v3)
    source.write_text(APP.format(warm=1))
    forced = _cli(platform, tmp_path, warmer, "deploy", str(source), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "(exceeded by the idle cost alone: deployed with --force)" in forced.stdout
    source.write_text(APP.format(warm=0))
    assert _cli(platform, tmp_path, warmer, "deploy", str(source)).returncode == 0
    # then the preview of a rollback to v2 shows its idle cost over the cap, and the forced command
    preview = _cli(platform, tmp_path, warmer, "app", "rollback", "it-warm", "v2", "--dry-run")
    assert preview.returncode == 0, preview.stderr
    assert "(exceeded by the idle cost alone: a rollback is refused unless --force)" in preview.stdout
    assert "To roll back: skylift app rollback it-warm v2 --force" in preview.stdout
    # and the rollback is refused as the deploy was, naming the cap and the way to force it
    refused = _cli(platform, tmp_path, warmer, "app", "rollback", "it-warm", "v2")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert (
        "The workspace's monthly cap of $1.00 would be exceeded by it-warm's idle cost alone"
        in refused.stderr
    )
    assert "`skylift app rollback it-warm v2 --force`" in refused.stderr
    # and with --force it rolls back: v4 runs what v2 ran
    rolled = _cli(platform, tmp_path, warmer, "app", "rollback", "it-warm", "v2", "--force")
    assert rolled.returncode == 0, rolled.stderr
    assert "Rolled it-warm back to v2: it is now v4" in rolled.stdout
    assert _cli(platform, tmp_path, warmer, "app", "stop", "it-warm").returncode == 0
