"""Functions of deployed apps belong to the version that defined them (issue 12)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("functions", "0011_retention_indexes"),
        ("skylift_apps", "0003_environments_and_versions"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="function", name="one_function_per_name_and_variant"),
        migrations.AddField(
            model_name="function",
            name="version",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="functions",
                to="skylift_apps.appversion",
            ),
        ),
        migrations.AddField(
            model_name="function", name="retired_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="function",
            name="superseded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="functions.function",
            ),
        ),
        migrations.AddField(
            model_name="function",
            name="variant_options",
            field=models.JSONField(
                blank=True, default=dict, help_text="The options a variant was made with (to make it again)"
            ),
        ),
        migrations.AddConstraint(
            model_name="function",
            constraint=models.UniqueConstraint(
                fields=("app", "version", "name", "variant_key"),
                name="one_function_per_name_and_variant",
                nulls_distinct=False,
            ),
        ),
    ]
