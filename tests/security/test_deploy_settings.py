"""S15 and S13's production half: `check --deploy` passes on the production settings.

Each check runs in a subprocess, because the production settings module refuses to load
without a DJANGO_SECRET_KEY and differs from the test settings this process runs on.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

REPO = Path(__file__).resolve().parents[2]


def _prod_env() -> dict:
    env = os.environ.copy()
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="skylift.example.com",
        SKYLIFT_SECRETS_KEY=Fernet.generate_key().decode(),
    )
    return env


def _manage(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=_prod_env(), capture_output=True, text=True
    )


def test_it_passes_the_deploy_checklist_with_production_settings():
    # when
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout, result.stdout


def test_it_sets_the_cookie_flags_in_production():
    # when
    probe = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) for k in "
        "['SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE', "
        "'CSRF_COOKIE_SECURE', 'CSRF_COOKIE_SAMESITE', 'X_FRAME_OPTIONS', 'DEBUG', 'SILENCED_SYSTEM_CHECKS']}))"
    )
    result = _manage("shell", "-c", probe)
    # then
    assert result.returncode == 0, result.stderr
    flags = json.loads(result.stdout.strip().splitlines()[-1])
    assert flags == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
        "X_FRAME_OPTIONS": "DENY",
        "DEBUG": False,
        "SILENCED_SYSTEM_CHECKS": [],
    }


def test_it_refuses_to_start_in_production_without_a_secrets_key():
    # given production settings without the key secrets are encrypted with
    env = _prod_env()
    del env["SKYLIFT_SECRETS_KEY"]
    # when
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True, text=True
    )
    # then
    assert result.returncode != 0
    assert "SKYLIFT_SECRETS_KEY" in result.stderr


def test_it_refuses_to_start_in_production_without_a_secret_key():
    # given
    env = _prod_env()
    del env["DJANGO_SECRET_KEY"]
    # when
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True, text=True
    )
    # then
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
