"""`manage.py collect_layers`: remove image layers nobody used for a while."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from builds import services


class Command(BaseCommand):
    help = (
        "Remove image layers (Docker images and their records) that no function uses and no image "
        "used for --unused-days days, and the tags of Dockerfile bases Skylift pulled that no remaining "
        "layer starts from. With --orphans, also remove skylift/layer images that no record "
        "of this platform knows: only on an engine no other Skylift platform shares."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--unused-days", type=int, default=None, help="default: SKYLIFT_LAYER_MAX_UNUSED_DAYS"
        )
        parser.add_argument("--orphans", action="store_true", help="also remove layer images no record knows")
        parser.add_argument("--dry-run", action="store_true", help="only say what would be removed")

    def handle(self, *args, unused_days, orphans, dry_run, **options):
        result = services.layers_collect_garbage(unused_days=unused_days, orphans=orphans, dry_run=dry_run)
        self.stdout.write(json.dumps(result, indent=2))
