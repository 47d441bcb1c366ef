"""The call graph: a call made from inside a container records the input and call that made it (issue 12)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("functions", "0013_schedules"),
    ]

    operations = [
        migrations.AddField(
            model_name="functioncall",
            name="parent_input",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="child_calls",
                to="functions.input",
            ),
        ),
        migrations.AddField(
            model_name="functioncall",
            name="parent_call",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="child_calls",
                to="functions.functioncall",
            ),
        ),
    ]
