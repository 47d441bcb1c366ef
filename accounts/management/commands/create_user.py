"""`manage.py create_user`: add a user to a workspace (creating both if needed), optionally with a token.

For operators and for the test harness: prints JSON with the user, workspace and, with
--token, the token's id and its secret (shown this once).
"""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services
from accounts.models import Membership, Role, Workspace


class Command(BaseCommand):
    help = "Create a user in a workspace (with a role) and optionally an API token."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", default=None)
        parser.add_argument("--workspace", required=True)
        parser.add_argument("--role", choices=[r.value for r in Role], default=Role.MEMBER)
        parser.add_argument("--token", action="store_true")

    @transaction.atomic
    def handle(self, *args, username, password, workspace, role, token, **options):
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username)
        if password:
            user.set_password(password)
            user.save()
        ws, _ = Workspace.objects.get_or_create(name=workspace)
        Membership.objects.update_or_create(workspace=ws, user=user, defaults={"role": role})
        out = {"username": username, "workspace": ws.name, "workspace_id": ws.id, "role": role}
        if token:
            tok, secret = services.token_issue(workspace=ws, user=user, name="create_user")
            out.update({"token_id": tok.id, "token_secret": secret})
        self.stdout.write(json.dumps(out) + "\n")
