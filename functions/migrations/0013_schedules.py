"""Schedules of deployed functions (issue 12): the schedule, its next and last runs."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("functions", "0012_function_versions")]

    operations = [
        migrations.AddField(
            model_name="function", name="schedule", field=models.JSONField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="function", name="next_run_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="function", name="last_run_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="function",
            name="last_run_call_id",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.AddIndex(
            model_name="function",
            index=models.Index(
                condition=models.Q(next_run_at__isnull=False),
                fields=["next_run_at"],
                name="function_next_run_idx",
            ),
        ),
    ]
