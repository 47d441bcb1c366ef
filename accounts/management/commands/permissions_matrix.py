"""`manage.py permissions_matrix`: print the permission matrix, or write it into docs/permissions.md."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.api import matrix


class Command(BaseCommand):
    help = "Print the permission matrix (owner, admin, member × every API operation) from the code."

    def add_arguments(self, parser):
        parser.add_argument(
            "--write", action="store_true", help="Replace the matrix in docs/permissions.md instead"
        )

    def handle(self, *args, write, **options):
        if not write:
            self.stdout.write(matrix.render())
            return
        doc = Path(settings.BASE_DIR) / "docs" / "permissions.md"
        doc.write_text(matrix.replace_in(doc.read_text()))
        self.stdout.write(f"Wrote the permission matrix into {doc}")
