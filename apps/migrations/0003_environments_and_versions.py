"""Environments, and the versions of deployed apps (issue 12)."""

import config.ids
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _main_environments(apps, schema_editor):
    """Every app made so far lives in its workspace's `main` environment."""
    App = apps.get_model("skylift_apps", "App")
    Environment = apps.get_model("skylift_apps", "Environment")
    for workspace_id in App.objects.values_list("workspace_id", flat=True).distinct():
        main = Environment.objects.create(id=config.ids.new_id("en"), workspace_id=workspace_id, name="main")
        App.objects.filter(workspace_id=workspace_id).update(environment=main)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_workspace_input_rate"),
        ("skylift_apps", "0002_scaling_and_delivery"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AppVersion",
            fields=[
                (
                    "id",
                    models.CharField(
                        default=config.ids.IdFactory("de"),
                        editable=False,
                        max_length=32,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("number", models.PositiveIntegerField()),
                ("spec", models.JSONField(default=dict)),
                ("spec_hash", models.CharField(max_length=64)),
                ("tag", models.CharField(blank=True, default="", max_length=64)),
                ("client_version", models.CharField(blank=True, default="", max_length=32)),
                ("git_commit", models.CharField(blank=True, default="", max_length=40)),
                ("git_dirty", models.BooleanField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "app",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="versions",
                        to="skylift_apps.app",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "rollback_of",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="skylift_apps.appversion",
                    ),
                ),
            ],
            options={
                "ordering": ["-number"],
            },
        ),
        migrations.AddField(
            model_name="app",
            name="live_version",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="skylift_apps.appversion",
            ),
        ),
        migrations.CreateModel(
            name="Environment",
            fields=[
                (
                    "id",
                    models.CharField(
                        default=config.ids.IdFactory("en"),
                        editable=False,
                        max_length=32,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("name", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "workspace",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="environments",
                        to="accounts.workspace",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="app",
            name="environment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="apps",
                to="skylift_apps.environment",
            ),
        ),
        migrations.AddConstraint(
            model_name="app",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "deployed")),
                fields=("workspace", "environment", "name"),
                name="one_deployed_app_per_name",
            ),
        ),
        migrations.AddConstraint(
            model_name="appversion",
            constraint=models.UniqueConstraint(fields=("app", "number"), name="one_version_per_number"),
        ),
        migrations.AddConstraint(
            model_name="environment",
            constraint=models.UniqueConstraint(fields=("workspace", "name"), name="one_environment_per_name"),
        ),
        migrations.RunPython(_main_environments, migrations.RunPython.noop),
    ]
