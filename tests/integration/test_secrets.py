"""Secrets against the real platform: given to containers in order (later ones winning) before the
user's module is imported, and nowhere else: not in `docker inspect`, a dump of the database, the
platform's logs or an API answer. Key rotation keeps them readable; a wrong key stops a server at
start. Bad names, missing keys and a broken .env file fail before an app is created."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import jwt
import pytest

import skylift
from processes import specs
from tests.fixtures.live_platform import _free_port

pytestmark = pytest.mark.integration

SKYLIFT = str(Path(sys.executable).parent / "skylift")
REPO = Path(__file__).resolve().parents[2]
NAMED_CANARY = "named-canary-51f0c2"
INLINE_CANARY = "inline-canary-9be7d4"

PROGRAM = textwrap.dedent(
    """
    import json
    import os

    import skylift

    # Read as the module is imported: the secrets are there already.
    AT_IMPORT = os.environ.get("DB_PASSWORD", "absent")

    app = skylift.App("it-secrets", secrets=[skylift.Secret.from_name("it-db")])


    @app.function(
        secrets=[skylift.Secret.from_name("it-api", required_keys=["API_TOKEN"]),
                 skylift.Secret.from_dict({"INLINE": INLINE})],
        env={"SHARED": "from-env"},
    )
    def seen() -> dict:
        names = ("SHARED", "DB_PASSWORD", "API_TOKEN", "INLINE", "SKYLIFT_TASK_ID")
        print("lengths", [len(os.environ.get(n, "")) for n in names])  # never the values
        return {"env": {n: os.environ.get(n) for n in names}, "at_import": AT_IMPORT}


    @app.function(secrets=[skylift.Secret.from_name("it-db")])
    def only_db() -> dict:
        return {"DB_PASSWORD": os.environ.get("DB_PASSWORD"), "SHARED": os.environ.get("SHARED")}


    built_with_secret = skylift.Image.debian_slim().run_commands(
        'test "$BUILD_TOKEN" = build-value && echo "built with $(echo -n $BUILD_TOKEN | wc -c) chars" > /built',
        secrets=[skylift.Secret.from_name("it-build")],
    )


    @app.function(image=built_with_secret)
    def built() -> str:
        return open("/built").read().strip()


    @app.cls(secrets=[skylift.Secret.from_name("it-api")])
    class Reader:
        @skylift.method()
        def read(self) -> dict:
            return {"SHARED": os.environ.get("SHARED"), "DB_PASSWORD": os.environ.get("DB_PASSWORD")}


    @app.function()
    def identity() -> list:
        return [os.environ["SKYLIFT_IDENTITY_TOKEN"], os.environ["MODAL_IDENTITY_TOKEN"], os.environ["SKYLIFT_TASK_ID"]]


    @app.local_entrypoint()
    def main():
        print(json.dumps(seen.remote()))
    """
)


@pytest.fixture
def cli(platform, tmp_path):
    alice = platform.users["alice"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
    env.update(
        SKYLIFT_CONFIG_PATH=str(tmp_path / "skylift.toml"),
        SKYLIFT_SERVER_URL=platform.url,
        SKYLIFT_TOKEN_ID=alice.token_id,
        SKYLIFT_TOKEN_SECRET=alice.token_secret,
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SKYLIFT, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
        )

    return run


def _program(tmp_path: Path, source: str = PROGRAM, name: str = "secrets_app.py") -> str:
    path = tmp_path / name
    path.write_text(f"INLINE = {INLINE_CANARY!r}\n" + source)
    return str(path)


def test_secrets_reach_the_container_in_order_and_nowhere_else(platform, cli, tmp_path):
    # given two named secrets, made with the CLI
    made = cli("secret", "create", "it-db", f"DB_PASSWORD={NAMED_CANARY}", "SHARED=from-db")
    assert made.returncode == 0, made.stderr
    made = cli("secret", "create", "it-api", "API_TOKEN=tok", "SHARED=from-api")
    assert made.returncode == 0, made.stderr
    made = cli("secret", "create", "it-build", "BUILD_TOKEN=build-value")
    assert made.returncode == 0, made.stderr
    listed = cli("secret", "list", "--json")
    # (the shared platform's other tests have secrets of their own in this workspace)
    assert {
        s["name"]: s["keys"]
        for s in json.loads(listed.stdout)
        if s["name"] in ("it-api", "it-build", "it-db")
    } == {
        "it-api": ["API_TOKEN", "SHARED"],
        "it-build": ["BUILD_TOKEN"],
        "it-db": ["DB_PASSWORD", "SHARED"],
    }
    # when a program run with them reports its containers' environment
    ran = cli("run", _program(tmp_path))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    [seen] = [json.loads(line) for line in ran.stdout.splitlines() if line.startswith("{")]
    # then the app's secret came first, the function's after it, env= last; the runtime's own stay
    env = seen["env"]
    assert env["SHARED"] == "from-env"
    assert env["DB_PASSWORD"] == NAMED_CANARY and env["API_TOKEN"] == "tok" and env["INLINE"] == INLINE_CANARY
    assert env["SKYLIFT_TASK_ID"].startswith("ta-")
    assert seen["at_import"] == NAMED_CANARY
    assert f"lengths [8, {len(NAMED_CANARY)}, 3, {len(INLINE_CANARY)}," in ran.stdout  # its print

    # when it is deployed, and a function is called while its container is up
    deployed = cli("deploy", _program(tmp_path))
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    client = platform.client("alice")
    only_db = skylift.Function.from_name("it-secrets", "only_db", client=client)
    assert only_db.remote() == {"DB_PASSWORD": NAMED_CANARY, "SHARED": "from-db"}
    # a class gets its own (after the app's), and with_options(secrets=) replaces all a function's
    # (the app's it got too), as Modal's does
    assert skylift.Cls.from_name("it-secrets", "Reader", client=client)().read.remote() == {
        "SHARED": "from-api",
        "DB_PASSWORD": NAMED_CANARY,
    }
    replaced = only_db.with_options(secrets=[skylift.Secret.from_name("it-api")])
    assert replaced.remote() == {"DB_PASSWORD": None, "SHARED": "from-api"}
    # (a build step was given a named secret: it saw the value, which no build log shows)
    assert skylift.Function.from_name("it-secrets", "built", client=client).remote() == "built with 11 chars"
    build_logs = "".join(row[0] for row in platform.sql("SELECT log FROM builds_build"))
    assert "BUILD_TOKEN" in build_logs and "build-value" not in build_logs
    [(function_id,)] = platform.sql(
        "SELECT f.id FROM functions_function f JOIN skylift_apps_app a ON a.id = f.app_id "
        "WHERE a.name = 'it-secrets' AND a.state = 'deployed' AND f.name = 'only_db' AND f.retired_at IS NULL "
        "AND f.parent_id IS NULL"
    )
    inspected = json.dumps(platform.containers(function=function_id))
    # then Docker never saw a value: not in the container's environment, command or labels
    assert function_id in inspected
    assert NAMED_CANARY not in inspected and INLINE_CANARY not in inspected
    # nor does the database hold one in plain text
    dump = subprocess.run(
        ["pg_dump", "--data-only", platform.database_url], capture_output=True, text=True, check=True
    ).stdout
    assert "it-db" in dump  # (the positive control: the dump has the secrets' rows)
    assert NAMED_CANARY not in dump and INLINE_CANARY not in dump
    # nor the platform's logs, nor an API answer about the app, its versions or its functions
    assert NAMED_CANARY not in platform.logs() and INLINE_CANARY not in platform.logs()
    app = client.app_lookup("it-secrets", environment=None)
    functions = httpx.get(
        f"{platform.url}/api/v1/functions/",
        params={"app": app["id"]},
        headers=platform.users["alice"].headers,
    ).json()
    answers = json.dumps([app, client.app_versions(app["id"]), functions], default=str)
    assert "it-db" in answers  # versions name the secrets they give
    assert NAMED_CANARY not in answers and INLINE_CANARY not in answers

    # and a function's identity token is a JWT an outside service verifies with the platform's keys
    token, modal_token, task_id = skylift.Function.from_name("it-secrets", "identity", client=client).remote()
    assert token == modal_token
    discovery = httpx.get(f"{platform.url}/.well-known/openid-configuration").json()
    assert discovery["issuer"] == platform.url
    signing_key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, signing_key.key, algorithms=["RS256"], audience="skylift", issuer=platform.url)
    assert {k: claims[k] for k in ("workspace_name", "environment_name", "app_name", "function_name")} == {
        "workspace_name": platform.users["alice"].workspace,
        "environment_name": "main",
        "app_name": "it-secrets",
        "function_name": "identity",
    }
    assert claims["container_id"] == task_id and claims["exp"] - claims["iat"] == 3600
    assert claims["sub"].startswith(f"skylift:workspace_id:{platform.users['alice'].workspace_id}:")
    forged = jwt.encode({**claims, "app_name": "other"}, "not the key", algorithm="HS256")
    with pytest.raises(jwt.InvalidTokenError):
        jwt.decode(forged, signing_key.key, algorithms=["RS256"], audience="skylift")

    # when the key is rotated, new containers still get the values
    before = (Path(platform.env["SKYLIFT_DATA_DIR"]) / "secrets.key").read_text()
    assert "Encrypted" in platform.manage("secrets_key", "rotate")
    key_file = Path(platform.env["SKYLIFT_DATA_DIR"]) / "secrets.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    after = key_file.read_text()
    assert after != before and len(after.split()) == 1
    fresh = only_db.with_options(timeout=61)  # a variant: a container of its own, started now
    assert fresh.remote() == {"DB_PASSWORD": NAMED_CANARY, "SHARED": "from-db"}
    stopped = cli("app", "stop", "it-secrets")
    assert stopped.returncode == 0, stopped.stderr

    # and a server given another key refuses to start, saying why
    port = _free_port()
    wrong = subprocess.run(
        specs.web(port=port),
        env={**platform.env, "SKYLIFT_SECRETS_KEY": "WYbmCZMKnh1Pi9nyOqK4tFhnHUy6kB0Jx_2r0jOPcW0="},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert wrong.returncode != 0
    assert "cannot be decrypted with the configured SKYLIFT_SECRETS_KEY" in wrong.stdout + wrong.stderr


def test_bad_secret_references_fail_before_an_app_is_created(platform, cli, tmp_path):
    def apps_named(name: str) -> int:
        return platform.sql("SELECT count(*) FROM skylift_apps_app WHERE name = %s", [name])[0][0]

    unknown = textwrap.dedent(
        """
        import skylift
        app = skylift.App("it-bad-secret")

        @app.function(secrets=[skylift.Secret.from_name("it-nowhere")])
        def f():
            return 1
        """
    )
    ran = cli("run", _program(tmp_path, unknown, "unknown_secret.py"))
    assert ran.returncode != 0
    assert "Secret 'it-nowhere' not found in the environment 'main'" in ran.stderr
    assert apps_named("it-bad-secret") == 0

    made = cli("secret", "create", "it-partial", "ONE=1")
    assert made.returncode == 0, made.stderr
    lacking = unknown.replace(
        'from_name("it-nowhere")', 'from_name("it-partial", required_keys=["ONE", "TWO"])'
    )
    ran = cli("run", _program(tmp_path, lacking, "lacking_secret.py"))
    assert ran.returncode != 0
    assert "lacks the required keys TWO" in ran.stderr
    assert apps_named("it-bad-secret") == 0

    (tmp_path / ".env").write_text("GOOD=1\nthis line is not an assignment\n")
    broken = unknown.replace('from_name("it-nowhere")', "from_dotenv()")
    ran = cli("run", _program(tmp_path, broken, "dotenv_secret.py"))
    assert ran.returncode != 0
    assert ".env, line 2" in ran.stderr
    assert apps_named("it-bad-secret") == 0
