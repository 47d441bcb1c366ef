"""`manage.py host_token create NAME | list | revoke ID`: the tokens that let host agents in.

`create` prints the token alone on stdout (for `SKYLIFT_HOST_TOKEN=$(...)`); it is shown once and
only its hash is kept. See hosts/tokens.py and docs/operations.md ("Hosts").
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from hosts import tokens
from hosts.models import HostToken


class Command(BaseCommand):
    help = "Make, list or revoke host tokens (what a host agent presents in SKYLIFT_HOST_TOKEN)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="make a token for the host NAME and print it")
        create.add_argument("name", help="the host's name: its agent's queue is host.NAME")
        create.add_argument("--note", default="", help="what the token is for (shown by list)")
        sub.add_parser("list", help="every token: id, host, note, made, last used, revoked")
        revoke = sub.add_parser("revoke", help="revoke a token; the host it let in is lost at once")
        revoke.add_argument("id", help="the token's id (ht-…)")

    def handle(self, *args, action: str, **options):
        try:
            if action == "create":
                _, plaintext = tokens.token_create(host_name=options["name"], note=options["note"])
                self.stderr.write(
                    f"Host token for {options['name']} (shown once): start its agent with SKYLIFT_HOST_TOKEN set to it"
                )
                self.stdout.write(plaintext)
            elif action == "revoke":
                token = tokens.token_revoke(token_id=options["id"])
                self.stdout.write(f"revoked {token.id} (host {token.host_name})")
            else:
                for t in HostToken.objects.order_by("host_name", "created_at"):
                    used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
                    revoked = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
                    kind = "automatic" if t.automatic else t.note or "-"
                    self.stdout.write(
                        f"{t.id}  {t.host_name}  {kind}  made {t.created_at:%Y-%m-%d %H:%M}  used {used}  {revoked}"
                    )
        except tokens.HostTokenError as exc:
            raise CommandError(str(exc)) from None
