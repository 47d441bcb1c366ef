"""`manage.py check_docker`: fail with instructions when no Docker engine answers."""

from django.core.management.base import BaseCommand, CommandError

from hosts import docker_client


class Command(BaseCommand):
    help = "Check that the Docker engine answers."

    def handle(self, *args, **options):
        try:
            version = docker_client.engine_check()
        except docker_client.DockerUnavailable as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Docker {version}\n")
