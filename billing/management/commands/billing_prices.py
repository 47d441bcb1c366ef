"""`manage.py billing_prices [FILE] [--workspace ID]`: show the prices in force, or load a new version."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Workspace
from billing import prices


class Command(BaseCommand):
    help = "Load a price table (TOML, see billing/default_prices.toml) as a new version, or show the current one."

    def add_arguments(self, parser):
        parser.add_argument(
            "file", nargs="?", help="TOML price table to load; without it, show the current prices"
        )
        parser.add_argument("--workspace", help="Set this workspace's own prices (internal charge-back)")

    def handle(self, *args, file: str | None, workspace: str | None, **options):
        ws = None
        if workspace:
            ws = (
                Workspace.objects.filter(pk=workspace).first()
                or Workspace.objects.filter(name=workspace).first()
            )
            if ws is None:
                raise CommandError(f"no workspace {workspace!r}")
        if file:
            try:
                table = prices.load(Path(file).read_text(), workspace=ws)
            except (OSError, prices.PriceError) as exc:
                raise CommandError(f"{file}: {exc}") from None
        else:
            table = prices.current(ws.id if ws else "")
        scope = f"workspace {table.workspace_id}" if table.workspace_id else "default"
        self.stdout.write(f"prices ({scope}) version {table.version}: {json.dumps(table.prices)}")
