"""`manage.py secrets_key new | rotate | check`: the key secrets are encrypted with (vault/keys.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from vault import keys, rotation


class Command(BaseCommand):
    help = "Make a new secrets key, encrypt every secret again with the first key, or check them all."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["new", "rotate", "check"])

    def handle(self, *args, action: str, **options):
        if action == "new":
            self.stdout.write(keys.new_key())
            return
        if action == "check":
            bad = rotation.undecryptable()
            if bad:
                raise CommandError(
                    f"{len(bad)} secrets do not decrypt with the configured keys: {', '.join(bad)}"
                )
            self.stdout.write("Every secret decrypts with the configured keys.")
            return
        try:
            count = rotation.rotate_all()
        except keys.KeyMismatch as exc:
            raise CommandError(str(exc)) from None
        if keys.key_file() is not None:
            self.stdout.write(f"Encrypted {count} secrets with a new key; the key file holds only it now.")
        else:
            self.stdout.write(
                f"Encrypted {count} secrets with the first key of SKYLIFT_SECRETS_KEY: the others may go."
            )
