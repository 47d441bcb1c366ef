"""`manage.py bootstrap`: first-start set-up of the embedded platform.

Creates the admin user and its workspace (printing the generated password once and keeping
it, owner-readable only, in the data directory), and gives the SDK on this machine a working
token profile named `local` in ~/.skylift.toml.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts import services
from accounts.models import ApiToken
from skylift.contract import load_config, write_profile

PROFILE = "local"


class Command(BaseCommand):
    help = "Create the admin user, its workspace and a local SDK token profile if missing."

    def add_arguments(self, parser):
        parser.add_argument("--server-url", default="http://127.0.0.1:8000")
        parser.add_argument("--no-profile", action="store_true", help="Do not write ~/.skylift.toml")

    def handle(self, *args, server_url: str, no_profile: bool, **options):
        username = settings.SKYLIFT_BOOTSTRAP_ADMIN
        user, workspace, password = services.bootstrap_admin(username=username)
        password_file = settings.DATA_DIR / "initial-admin-password"
        if password:
            settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
            fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(password + "\n")
        elif password_file.exists():
            password = password_file.read_text().strip()
        self.stdout.write(
            f"Sign in to the dashboard at {server_url}/ as '{username}'"
            + (f" with password {password}" if password else "")
            + f" (workspace '{workspace.name}').\n"
        )
        if password:
            self.stdout.write(f"The initial password is kept in {password_file}; change it in /admin/.\n")
        if no_profile:
            return
        existing = load_config(PROFILE)
        token = ApiToken.objects.active().filter(pk=existing.token_id).first() if existing.token_id else None
        if (
            token is not None
            and existing.server_url == server_url.rstrip("/")
            and token.matches(existing.token_secret or "")
        ):
            return
        token, secret = services.token_issue(workspace=workspace, user=user, name="skylift server start")
        path = write_profile(PROFILE, token_id=token.id, token_secret=secret, server_url=server_url)
        self.stdout.write(f"Wrote the SDK profile '{PROFILE}' (token {token.id}) to {path}.\n")
